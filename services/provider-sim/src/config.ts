import { z } from 'zod';
import { type InitialFaults, InitialFaultsSchema } from './faults/fault-config.ts';
import { SANDBOX_TWILIO_ACCOUNT_SID, SANDBOX_TWILIO_AUTH_TOKEN } from './sandbox.ts';

export interface SimConfig {
  port: number;
  host: string;
  twilio: {
    accountSid: string;
    authToken: string;
    /** True when the sandbox defaults are in use (printed at start-up so nobody wonders which token works). */
    sandboxCredentials: boolean;
  };
  /** Baseline latency of Twilio requests (SIM_LATENCY_MS). */
  twilioLatencyMs: number;
  initialFaults: InitialFaults;
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
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-f]{32}$/, 'must be "AC" followed by 32 lowercase hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  SIM_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  SIM_FAULTS: jsonText.pipe(InitialFaultsSchema).default({}),
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
  const sandboxCredentials =
    values.TWILIO_ACCOUNT_SID === undefined && values.TWILIO_AUTH_TOKEN === undefined;
  return {
    port: values.PORT,
    host: values.HOST,
    twilio: {
      accountSid: values.TWILIO_ACCOUNT_SID ?? SANDBOX_TWILIO_ACCOUNT_SID,
      authToken: values.TWILIO_AUTH_TOKEN ?? SANDBOX_TWILIO_AUTH_TOKEN,
      sandboxCredentials,
    },
    twilioLatencyMs: values.SIM_LATENCY_MS,
    initialFaults: values.SIM_FAULTS,
    maxRecords: values.SIM_MAX_RECORDS,
  };
}
