import { z } from 'zod';

/**
 * Every service parses its environment once, at start, against a zod schema built from the fragments below,
 * and refuses to start with a list of what is wrong. Values are never echoed back: some are secrets.
 */

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings (e.g. `FOO=` in a .env file) mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
  );
}

/** Loads config or exits the process with a readable message: for a service's main.ts. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, service: string): z.infer<S> {
  try {
    return parseEnv(schema, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `${service}: ${error.message}\nSee .env.example and the README's Configuration section.\n`,
      );
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

export const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** What every service needs to reach Redis and to name itself in logs. */
export const redisEnv = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  /** Key prefix of every byot key and queue. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 characters of A-Z a-z 0-9 _ -')
    .default('byot'),
  /** Wrap the prefix in a hash tag (`{byot}`) so every key of a queue lands on one Redis Cluster slot. */
  REDIS_CLUSTER_HASH_TAG: booleanFromEnv.default(false),
};

export const loggingEnv = {
  LOG_LEVEL: logLevel,
  /** Human-readable logs for a terminal; JSON (the default) for everything else. */
  LOG_PRETTY: booleanFromEnv.default(false),
};

/**
 * AES-256-GCM key for the OTP, message text and phone number inside jobs: 32 bytes, base64 or 64 hex characters.
 * DATA_ENCRYPTION_KEY_PREVIOUS lets jobs sealed before a key rotation still be opened.
 */
const key32 = z.string().refine((v) => decodeKey(v) !== undefined, {
  message: 'must be 32 bytes: 64 hex characters or base64 (openssl rand -base64 32)',
});
export const sealingEnv = {
  DATA_ENCRYPTION_KEY: key32,
  DATA_ENCRYPTION_KEY_PREVIOUS: key32.optional(),
};

export function decodeKey(value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(trimmed)) {
    const buf = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    if (buf.length === 32) return buf;
  }
  return undefined;
}

/**
 * The public URL providers call back on (status callbacks). Optional: without it no callback is requested.
 * Twilio refuses callback hosts with underscores.
 */
export const publicUrlEnv = {
  PUBLIC_BASE_URL: httpUrl
    .refine(
      (v) => !new URL(v).hostname.includes('_'),
      'host must not contain "_" (Twilio refuses such callback URLs)',
    )
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
};

/** Delivery policy both sides of the queue must agree on. */
export const deliveryEnv = {
  /** An OTP with less time than this left is not worth sending (nor retrying). */
  MIN_OTP_LIFETIME_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** How long delivery records (no secrets: the phone is masked) are kept after the OTP expires. */
  DELIVERY_RETENTION_SECONDS: z.coerce.number().int().min(60).max(2_592_000).default(86_400),
};

/** An E.164 phone number, as Twilio wants a From. */
export const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number such as +15005550006');

/** What every queue worker (sms-worker, voice-worker) shares besides its health port and concurrency. */
export const workerEnv = {
  HEALTH_HOST: z.string().default('0.0.0.0'),
  /** How long SIGTERM waits for in-flight sends before giving up on them (they are redelivered elsewhere). */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(15_000),
  /** Client timeout per provider request. Long enough for a slow provider, short enough to retry in time. */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(200).max(30_000).default(5_000),
  /** Ask providers for status callbacks (needs PUBLIC_BASE_URL). */
  STATUS_CALLBACKS: booleanFromEnv.default(true),
  /** Act on failure receipts: send the code on by the next route while it is valid (false: record only). */
  RECEIPT_FAILOVER: booleanFromEnv.default(true),
  /**
   * "No receipt within N seconds": an accepted code with no final receipt by then is treated as undelivered and
   * sent on. 0 turns the rule off (the default: some carriers never report, and a second code confuses people).
   */
  RECEIPT_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3_600).default(0),
  /** Status callbacks handled at once by each worker process. */
  STATUS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
  RETRY_BASE_DELAY_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  RETRY_MAX_DELAY_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
};

/** The Twilio account every Twilio channel uses. */
export const twilioEnv = {
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits'),
  TWILIO_AUTH_TOKEN: z.string().min(8, 'required: the auth token of TWILIO_ACCOUNT_SID'),
  TWILIO_FROM_NUMBER: e164.optional(),
  /** Send Twilio API calls here instead of https://api.twilio.com (the simulator, a mock, a proxy). */
  TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
};

/**
 * A JSON value in an environment variable, checked against `schema`: a syntax error and a schema error both
 * come back as configuration problems naming the variable.
 */
export function jsonFromEnv<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/**
 * The operators' credential: the delivery lookup (GET /v1/deliveries/:eventId) and the queue dashboard. Separate
 * from Okta's hook secret so support staff never hold the credential that can trigger sends. Unset: both are off.
 */
export const adminEnv = {
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters (e.g. openssl rand -base64 32)').optional(),
};
