import { accessSync, constants, statSync } from 'node:fs';
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

/** One node of REDIS_SENTINELS / REDIS_CLUSTER_NODES. */
export interface RedisNode {
  host: string;
  port: number;
}

/** `host:port,host:port,…` (IPv6 as `[::1]:26379`), each checked, every bad entry named. */
const hostPortList = z.string().transform((value, ctx): RedisNode[] => {
  const nodes: RedisNode[] = [];
  for (const entry of value.split(',').map((e) => e.trim())) {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (match === null || port < 1 || port > 65_535) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (port 1-65535)` });
      continue;
    }
    nodes.push({ host: (match[1] ?? match[2]) as string, port });
  }
  if (nodes.length === 0 && ctx.issues.length === 0)
    ctx.addIssue({ code: 'custom', message: 'must list at least one host:port' });
  return nodes;
});

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * What every service needs to reach Redis and to name itself in logs. One of three topologies (checkRedisEnv
 * refuses a mix): REDIS_URL (one server), REDIS_SENTINELS + REDIS_SENTINEL_MASTER (high availability), or
 * REDIS_CLUSTER_NODES (scale). Passwords are separate variables so they never sit in an address that gets logged.
 */
export const redisEnv = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default(DEFAULT_REDIS_URL),
  /** Sentinels to ask for the current master: `host:port,host:port,…`. */
  REDIS_SENTINELS: hostPortList.optional(),
  /** The master's name as the sentinels know it (`sentinel monitor <name> …`). */
  REDIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -')
    .optional(),
  /** Some (or all) nodes of a Redis Cluster: `host:port,…`; the rest are discovered. */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  /** ACL user and password of the data nodes (REDIS_URL's own userinfo also works for one server). */
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  /** The sentinels' own credentials, when they have any (`requirepass` in sentinel.conf). */
  REDIS_SENTINEL_USERNAME: z.string().optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  /** TLS to every node (and to the sentinels). A rediss:// REDIS_URL turns it on as well. */
  REDIS_TLS: booleanFromEnv.default(false),
  /** PEM file of the CA that signed the Redis servers' certificates (default: the system's CAs). */
  REDIS_TLS_CA_FILE: z
    .string()
    .refine((path) => isReadableFile(path), 'must be a readable PEM file')
    .optional(),
  /** Key prefix of every byot key and queue. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 characters of A-Z a-z 0-9 _ -')
    .default('byot'),
  /**
   * Key layout (ADR 0017): `single` keeps the key names of one Redis; `cluster` gives each queue, tenant and
   * delivery its own hash tag so they spread over the shards. Default: `cluster` with REDIS_CLUSTER_NODES, else
   * `single` (a Sentinel master is one Redis).
   */
  REDIS_KEY_LAYOUT: z.enum(['single', 'cluster']).optional(),
  /**
   * The old way onto a Cluster: the prefix in one hash tag (`{byot}`), every key on ONE slot. Kept for deployments
   * that used it (their keys keep their names); REDIS_KEY_LAYOUT=cluster is the one that scales.
   */
  REDIS_CLUSTER_HASH_TAG: booleanFromEnv.default(false),
};

interface RedisEnvValues {
  REDIS_URL: string;
  REDIS_SENTINELS?: RedisNode[] | undefined;
  REDIS_SENTINEL_MASTER?: string | undefined;
  REDIS_CLUSTER_NODES?: RedisNode[] | undefined;
  REDIS_SENTINEL_USERNAME?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_TLS: boolean;
  REDIS_TLS_CA_FILE?: string | undefined;
  REDIS_KEY_LAYOUT?: 'single' | 'cluster' | undefined;
  REDIS_CLUSTER_HASH_TAG: boolean;
}

/**
 * The rules of redisEnv that span several variables; each service's schema ends with `.superRefine(checkRedisEnv)`.
 */
export function checkRedisEnv(cfg: RedisEnvValues, ctx: z.RefinementCtx): void {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const sentinels = cfg.REDIS_SENTINELS !== undefined;
  const cluster = cfg.REDIS_CLUSTER_NODES !== undefined;
  if (sentinels && cluster)
    problem('REDIS_CLUSTER_NODES', 'set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both');
  if ((sentinels || cluster) && cfg.REDIS_URL !== DEFAULT_REDIS_URL)
    problem(
      'REDIS_URL',
      `not used with ${sentinels ? 'REDIS_SENTINELS' : 'REDIS_CLUSTER_NODES'}: unset it (credentials go in REDIS_USERNAME/REDIS_PASSWORD)`,
    );
  if (sentinels && cfg.REDIS_SENTINEL_MASTER === undefined)
    problem(
      'REDIS_SENTINEL_MASTER',
      'required with REDIS_SENTINELS (the name in `sentinel monitor <name> …`)',
    );
  if (!sentinels && cfg.REDIS_SENTINEL_MASTER !== undefined)
    problem('REDIS_SENTINEL_MASTER', 'only meaningful with REDIS_SENTINELS');
  if (!sentinels && (cfg.REDIS_SENTINEL_USERNAME !== undefined || cfg.REDIS_SENTINEL_PASSWORD !== undefined))
    problem('REDIS_SENTINEL_PASSWORD', 'only meaningful with REDIS_SENTINELS');
  if (cfg.REDIS_TLS_CA_FILE !== undefined && !cfg.REDIS_TLS && !cfg.REDIS_URL.startsWith('rediss://'))
    problem('REDIS_TLS_CA_FILE', 'TLS is off: set REDIS_TLS=true (or use a rediss:// REDIS_URL)');
  if (cfg.REDIS_CLUSTER_HASH_TAG && cfg.REDIS_KEY_LAYOUT === 'cluster')
    problem(
      'REDIS_CLUSTER_HASH_TAG',
      'one tag for every key contradicts REDIS_KEY_LAYOUT=cluster: choose one',
    );
  if (cluster && cfg.REDIS_KEY_LAYOUT === 'single' && !cfg.REDIS_CLUSTER_HASH_TAG)
    problem(
      'REDIS_KEY_LAYOUT',
      'single on a Cluster would split queues and scripts across slots (CROSSSLOT): use cluster',
    );
}

/** redisEnv with its cross-variable rules: for tools and checks that read only the Redis settings. */
export const redisEnvSchema = z.object(redisEnv).superRefine(checkRedisEnv);

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

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
