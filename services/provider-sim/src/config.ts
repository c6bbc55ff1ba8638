import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type InitialCallbacks, InitialCallbacksSchema } from './callbacks/callback-config.ts';
import { DEFAULT_CALLBACK_HOSTS } from './callbacks/dispatcher.ts';
import { sendGridEventKey } from './callbacks/signing.ts';
import { type InitialFaults, InitialFaultsSchema } from './faults/fault-config.ts';
import { callbackUrlProblem } from './lib/callback-url.ts';
import { PROVIDER_NAMES, type ProviderName } from './providers.ts';
import {
  SANDBOX_SENDGRID_API_KEY,
  SANDBOX_TWILIO_ACCOUNT_SID,
  SANDBOX_TWILIO_AUTH_TOKEN,
  SANDBOX_VONAGE_API_KEY,
  SANDBOX_VONAGE_API_SECRET,
  SANDBOX_VONAGE_APPLICATION_ID,
} from './sandbox.ts';
import { applicationPublicKeyFrom } from './vonage/auth.ts';

export interface SimConfig {
  port: number;
  host: string;
  /** Dedicated listeners (SIM_TWILIO_PORT, SIM_VONAGE_PORT, SIM_SENDGRID_PORT), which `down` closes. */
  providerPorts: Partial<Record<ProviderName, number>>;
  twilio: {
    accountSid: string;
    authToken: string;
    /** SIM_TWILIO_SUBACCOUNTS: more accounts under the main one (an MSP's one per customer). */
    subaccounts: Array<{ accountSid: string; authToken: string; friendlyName?: string }>;
    /** True when the sandbox defaults are in use (printed at start-up so nobody wonders which token works). */
    sandboxCredentials: boolean;
  };
  vonage: {
    apiKey: string;
    apiSecret: string;
    applicationId: string;
    /** PEM (from VONAGE_PRIVATE_KEY or the file at VONAGE_PRIVATE_KEY_PATH). Never logged. */
    privateKey?: string;
    publicKey?: string;
    signatureSecret?: string;
    /** True when the sandbox API key and secret are in use. */
    sandboxCredentials: boolean;
  };
  sendgrid: {
    apiKey: string;
    sandboxCredentials: boolean;
  };
  /** Baseline latency of Twilio requests (SIM_LATENCY_MS). */
  twilioLatencyMs: number;
  initialFaults: InitialFaults;
  callbacks: {
    /** SIM_CALLBACKS, validated (its input form, as createSimulator takes it). */
    initial: InitialCallbacks;
    /** SIM_CALLBACK_HOSTS: host names callbacks may go to ("*": any). */
    allowedHosts: readonly string[];
    /** SIM_SENDGRID_EVENT_URL. */
    sendgridEventUrl?: string;
    /** SIM_SENDGRID_EVENT_PRIVATE_KEY (PEM, EC P-256). Never logged. */
    sendgridEventPrivateKey?: string;
  };
  maxRecords: number;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** SIM_FAULTS is JSON in an environment variable; report a syntax error as such, not as a type mismatch. */
const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `not valid JSON (${error instanceof Error ? error.message : 'parse error'})`,
    });
    return z.NEVER;
  }
});

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  HOST: z.string().min(1).default('127.0.0.1'),
  SIM_TWILIO_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  SIM_VONAGE_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  SIM_SENDGRID_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-f]{32}$/, 'must be "AC" followed by 32 lowercase hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  SIM_TWILIO_SUBACCOUNTS: jsonText
    .pipe(
      z.array(
        z
          .object({
            accountSid: z
              .string()
              .regex(/^AC[0-9a-f]{32}$/, 'must be "AC" followed by 32 lowercase hex digits'),
            authToken: z.string().min(1),
            friendlyName: z.string().min(1).max(64).optional(),
          })
          .strict(),
      ),
    )
    .default([]),
  VONAGE_API_KEY: z.string().min(1).optional(),
  VONAGE_API_SECRET: z.string().min(1).optional(),
  VONAGE_APPLICATION_ID: z.string().min(1).optional(),
  VONAGE_PRIVATE_KEY: z.string().min(1).optional(),
  VONAGE_PRIVATE_KEY_PATH: z.string().min(1).optional(),
  VONAGE_PUBLIC_KEY: z.string().min(1).optional(),
  VONAGE_SIGNATURE_SECRET: z.string().min(1).optional(),
  SENDGRID_API_KEY: z.string().min(1).optional(),
  SIM_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  SIM_FAULTS: jsonText.pipe(InitialFaultsSchema).default({}),
  SIM_CALLBACKS: jsonText.pipe(z.record(z.string(), z.unknown())).default({}),
  SIM_CALLBACK_HOSTS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
    )
    .optional(),
  SIM_SENDGRID_EVENT_URL: z
    .string()
    .refine(
      (url) => callbackUrlProblem(url, { allowUnderscoreInHost: true }) === null,
      'must be an absolute http or https URL',
    )
    .optional(),
  SIM_SENDGRID_EVENT_PRIVATE_KEY: z.string().min(1).optional(),
  SIM_MAX_RECORDS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
});

/**
 * Reads the simulator's environment. Empty variables count as unset (a blank line in an .env file should not
 * mean port 0). Throws ConfigError listing every problem at once.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): SimConfig {
  const present = Object.fromEntries(
    Object.keys(EnvSchema.shape)
      .map((name) => [name, env[name]?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const [variable, ...rest] = issue.path.map(String);
        const where = rest.length > 0 ? `${variable} (at ${rest.join('.')})` : (variable ?? 'environment');
        return `${where}: ${issue.message}`;
      }),
    );
  }
  const values = parsed.data;
  // Every problem at once: each check reports into `problems` instead of stopping at the first.
  const problems: string[] = [];
  const check = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return fallback;
    }
  };
  const vonageKey = check(() => readVonageKey(values), {});
  const providerPorts = check(() => readProviderPorts(values), {});
  const initialCallbacks = check(() => readInitialCallbacks(values.SIM_CALLBACKS), {});
  check(() => {
    if (values.SIM_SENDGRID_EVENT_PRIVATE_KEY === undefined) return;
    try {
      sendGridEventKey(values.SIM_SENDGRID_EVENT_PRIVATE_KEY);
    } catch (error) {
      throw new ConfigError([`SIM_SENDGRID_EVENT_PRIVATE_KEY: ${(error as Error).message}`]);
    }
  }, undefined);
  if (problems.length > 0) throw new ConfigError(problems);
  const sandboxCredentials =
    values.TWILIO_ACCOUNT_SID === undefined && values.TWILIO_AUTH_TOKEN === undefined;
  return {
    port: values.PORT,
    host: values.HOST,
    providerPorts,
    twilio: {
      accountSid: values.TWILIO_ACCOUNT_SID ?? SANDBOX_TWILIO_ACCOUNT_SID,
      authToken: values.TWILIO_AUTH_TOKEN ?? SANDBOX_TWILIO_AUTH_TOKEN,
      subaccounts: values.SIM_TWILIO_SUBACCOUNTS,
      sandboxCredentials,
    },
    vonage: {
      apiKey: values.VONAGE_API_KEY ?? SANDBOX_VONAGE_API_KEY,
      apiSecret: values.VONAGE_API_SECRET ?? SANDBOX_VONAGE_API_SECRET,
      applicationId: values.VONAGE_APPLICATION_ID ?? SANDBOX_VONAGE_APPLICATION_ID,
      ...vonageKey,
      ...(values.VONAGE_SIGNATURE_SECRET === undefined
        ? {}
        : { signatureSecret: values.VONAGE_SIGNATURE_SECRET }),
      sandboxCredentials: values.VONAGE_API_KEY === undefined && values.VONAGE_API_SECRET === undefined,
    },
    sendgrid: {
      apiKey: values.SENDGRID_API_KEY ?? SANDBOX_SENDGRID_API_KEY,
      sandboxCredentials: values.SENDGRID_API_KEY === undefined,
    },
    twilioLatencyMs: values.SIM_LATENCY_MS,
    initialFaults: values.SIM_FAULTS,
    callbacks: {
      initial: initialCallbacks,
      allowedHosts: values.SIM_CALLBACK_HOSTS ?? DEFAULT_CALLBACK_HOSTS,
      ...(values.SIM_SENDGRID_EVENT_URL === undefined
        ? {}
        : { sendgridEventUrl: values.SIM_SENDGRID_EVENT_URL }),
      ...(values.SIM_SENDGRID_EVENT_PRIVATE_KEY === undefined
        ? {}
        : { sendgridEventPrivateKey: values.SIM_SENDGRID_EVENT_PRIVATE_KEY }),
    },
    maxRecords: values.SIM_MAX_RECORDS,
  };
}

type EnvValues = z.infer<typeof EnvSchema>;

/**
 * The Vonage application key: VONAGE_PRIVATE_KEY (PEM text; "\n" escapes allowed), the file named by
 * VONAGE_PRIVATE_KEY_PATH, or VONAGE_PUBLIC_KEY (enough to verify JWTs). At most one; checked here so that a
 * bad key stops the process at start with the variable's name, not at the first call.
 */
function readVonageKey(values: EnvValues): { privateKey?: string; publicKey?: string } {
  const given = (['VONAGE_PRIVATE_KEY', 'VONAGE_PRIVATE_KEY_PATH', 'VONAGE_PUBLIC_KEY'] as const).filter(
    (name) => values[name] !== undefined,
  );
  if (given.length > 1) throw new ConfigError([`${given.join(', ')}: set only one of them`]);
  const name = given[0];
  if (name === undefined) return {};
  let pem = values[name] ?? '';
  if (name === 'VONAGE_PRIVATE_KEY_PATH') {
    try {
      pem = readFileSync(pem, 'utf8');
    } catch (error) {
      throw new ConfigError([
        `${name}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
  }
  try {
    applicationPublicKeyFrom(pem);
  } catch (error) {
    throw new ConfigError([`${name}: ${(error as Error).message}`]);
  }
  return name === 'VONAGE_PUBLIC_KEY' ? { publicKey: pem } : { privateKey: pem };
}

const PORT_VARIABLES: Readonly<
  Record<ProviderName, 'SIM_TWILIO_PORT' | 'SIM_VONAGE_PORT' | 'SIM_SENDGRID_PORT'>
> = {
  twilio: 'SIM_TWILIO_PORT',
  vonage: 'SIM_VONAGE_PORT',
  sendgrid: 'SIM_SENDGRID_PORT',
};

/** The dedicated ports; a fixed port must differ from PORT and from the others (0, "any free port", may repeat). */
function readProviderPorts(values: EnvValues): Partial<Record<ProviderName, number>> {
  const ports: Partial<Record<ProviderName, number>> = {};
  const taken = new Map<number, string>(values.PORT === 0 ? [] : [[values.PORT, 'PORT']]);
  const problems: string[] = [];
  for (const provider of PROVIDER_NAMES) {
    const variable = PORT_VARIABLES[provider];
    const port = values[variable];
    if (port === undefined) continue;
    const clash = taken.get(port);
    if (clash !== undefined) problems.push(`${variable}: port ${port} is already used by ${clash}`);
    if (port !== 0) taken.set(port, variable);
    ports[provider] = port;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return ports;
}

/** SIM_CALLBACKS: checked against each provider's settings schema, problems named by path. */
function readInitialCallbacks(value: Record<string, unknown>): InitialCallbacks {
  const parsed = InitialCallbacksSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.map(String).join('.');
        return `SIM_CALLBACKS${path === '' ? '' : ` (at ${path})`}: ${issue.message}`;
      }),
    );
  }
  return value as InitialCallbacks;
}
