import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import {
  type DemoTenant,
  demoTenants,
  type LaunchOptions,
  type SandboxConsoleOidc,
  type SandboxCredentials,
  sandboxConsoleOidc,
  tenantVariable,
} from '@byot/testkit';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Local state of `npm start` (Redis AOF, generated dev secrets); BYOT_DATA_DIR moves it (tests do). */
export const DATA_DIR = process.env.BYOT_DATA_DIR ?? join(REPO_ROOT, '.data');
const DEV_SECRETS_FILE = join(DATA_DIR, 'dev-secrets.env');

/** Sandbox credentials the simulator accepts: never real ones. */
export const SANDBOX_TWILIO = {
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'sandbox-auth-token-0000000000000000',
  TWILIO_FROM_NUMBER: '+15005550006',
} as const;

/** The simulator's sandbox Vonage account (its private key is generated per checkout, below). */
export const SANDBOX_VONAGE = {
  VONAGE_API_KEY: 'sandboxkey',
  VONAGE_API_SECRET: 'sandbox-api-secret',
  VONAGE_APPLICATION_ID: '00000000-0000-4000-8000-000000000000',
  VONAGE_FROM_NUMBER: '+15005550100',
} as const;

/**
 * The environment for local runs: the process environment wins, then `.env` at the repository root, then
 * secrets generated once per checkout into `.data/dev-secrets.env` (git-ignored), so a newcomer needs no setup
 * and restarts keep opening what was sealed before.
 */
export function loadDevEnvironment(): Record<string, string> {
  const fromDotEnv = existsSync(join(REPO_ROOT, '.env'))
    ? parseEnv(readFileSync(join(REPO_ROOT, '.env'), 'utf8'))
    : {};
  const generated = ensureDevSecrets();
  const env: Record<string, string> = {};
  for (const source of [generated, fromDotEnv, process.env]) {
    for (const [key, value] of Object.entries(source))
      if (value !== undefined && value !== '') env[key] = value;
  }
  return env;
}

/**
 * The same layers as loadDevEnvironment (process env > .env > .data/dev-secrets.env), generating nothing: for
 * commands that only read byot's configuration (the okta command reads the hook secret byot uses).
 */
export function readDevEnvironment(): Record<string, string> {
  const read = (file: string) => (existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {});
  const env: Record<string, string> = {};
  for (const source of [read(DEV_SECRETS_FILE), read(join(REPO_ROOT, '.env')), process.env]) {
    for (const [key, value] of Object.entries(source))
      if (value !== undefined && value !== '') env[key] = value;
  }
  return env;
}

/** Written by npm start: the sandbox org (okta-sim) — OKTA_ORG_URL and OKTA_API_TOKEN — for the okta command. */
export const SANDBOX_OKTA_FILE = join(DATA_DIR, 'okta-sim.env');

export function readSandboxOkta(): Record<string, string> | undefined {
  if (!existsSync(SANDBOX_OKTA_FILE)) return undefined;
  const values = parseEnv(readFileSync(SANDBOX_OKTA_FILE, 'utf8'));
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Generated once per checkout; a key missing from an older file is added, existing ones are kept. */
const GENERATED: Record<string, () => string> = {
  DATA_ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  OKTA_HOOK_AUTH_SECRET: () =>
    `Basic ${Buffer.from(`okta:${randomBytes(18).toString('base64url')}`).toString('base64')}`,
  // The simulated Vonage application's key: the Voice API's request JWTs are signed with it.
  VONAGE_PRIVATE_KEY: () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey,
  VONAGE_SIGNATURE_SECRET: () => randomBytes(24).toString('base64url'),
  // The operators' credential: the delivery lookup and the queue dashboard.
  ADMIN_TOKEN: () => randomBytes(32).toString('base64url'),
  // OAuth 2.0 (issue 12): the Client Secret to paste into Okta's form, and the key byot signs its access tokens with
  // (EC P-256: ES256), kept with the other generated secrets in the data folder.
  OKTA_HOOK_OAUTH_CLIENT_SECRET: () => randomBytes(32).toString('base64url'),
  OAUTH_SIGNING_KEY: () =>
    generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey,
  // The sandbox Okta org's API token (okta-sim accepts it as SSWS; `npm run okta` reads it from .data/okta-sim.env).
  OKTA_SIM_API_TOKEN: () => `00${randomBytes(30).toString('base64url')}`,
};

/**
 * The sandbox's two customer orgs beside `default` (issue 13): an MSP's deployment in miniature. Their secrets
 * are generated once per checkout, as the default tenant's are, so an Okta org set up against one keeps working.
 */
export const SANDBOX_TENANTS = ['acme', 'globex'] as const;
const TENANT_SECRETS = ['HOOK_SECRET', 'OAUTH_SECRET', 'ADMIN_TOKEN', 'TWILIO_TOKEN'] as const;
for (const id of SANDBOX_TENANTS) {
  for (const suffix of TENANT_SECRETS)
    GENERATED[tenantVariable(id, suffix)] = () => randomBytes(32).toString('base64url');
}

/** The sandbox's demo tenants with this checkout's secrets (the environment's values). */
export function sandboxTenants(env: Record<string, string>): DemoTenant[] {
  const value = (id: string, suffix: (typeof TENANT_SECRETS)[number]): string => {
    const name = tenantVariable(id, suffix);
    const found = env[name];
    if (!found) throw new Error(`${name} is missing from the environment and from ${DEV_SECRETS_FILE}`);
    return found;
  };
  return demoTenants(SANDBOX_TENANTS).map((tenant) => ({
    ...tenant,
    hookSecret: value(tenant.id, 'HOOK_SECRET'),
    oauthClientSecret: value(tenant.id, 'OAUTH_SECRET'),
    adminToken: value(tenant.id, 'ADMIN_TOKEN'),
    twilio: { ...tenant.twilio, authToken: value(tenant.id, 'TWILIO_TOKEN') },
  }));
}

/** Where npm start writes the sandbox's tenants file (unless TENANTS_FILE names the operator's own). */
export const SANDBOX_TENANTS_FILE = join(DATA_DIR, 'tenants.yaml');

/** The tenants file npm start runs with: the operator's TENANTS_FILE, else the sandbox's (once written). */
export function tenantsFileOf(env: Record<string, string>): string | undefined {
  if (env.TENANTS_FILE) return env.TENANTS_FILE;
  return existsSync(SANDBOX_TENANTS_FILE) ? SANDBOX_TENANTS_FILE : undefined;
}

/**
 * The environment the services resolve the tenants file's `${NAME}`s with: the sandbox's accounts under the
 * environment (as devCredentials gives them to the services), for commands that read the file themselves.
 */
export function tenantsFileEnv(env: Record<string, string>): Record<string, string> {
  return { ...SANDBOX_TWILIO, ...SANDBOX_VONAGE, ...env };
}

/** The sandbox's OAuth client (Okta's "Client ID"); not a secret. */
export const SANDBOX_OAUTH_CLIENT_ID = 'byot-sandbox-okta';

function ensureDevSecrets(): Record<string, string | undefined> {
  const existing = existsSync(DEV_SECRETS_FILE) ? parseEnv(readFileSync(DEV_SECRETS_FILE, 'utf8')) : {};
  const missing = Object.keys(GENERATED).filter((key) => !existing[key]);
  if (missing.length === 0) return existing;
  const secrets: Record<string, string | undefined> = { ...existing };
  for (const key of missing) secrets[key] = (GENERATED[key] as () => string)();
  mkdirSync(dirname(DEV_SECRETS_FILE), { recursive: true });
  writeFileSync(
    DEV_SECRETS_FILE,
    `# Generated for local runs of this checkout. Not for production.\n${Object.entries(secrets)
      .map(([k, v]) => `${k}="${String(v).replaceAll('\n', '\\n')}"`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  return secrets;
}

/** The sandbox's destination countries (ALLOWED_COUNTRIES in .env overrides it). */
export const SANDBOX_COUNTRIES = 'US,CA,GB,IE,DE,FR,ES,AU';

/** npm start's well-known ports, each overridable in the environment (README: Running it). */
export function devPorts(env: Record<string, string>) {
  return {
    ingress: Number(env.PORT ?? 8080),
    sim: Number(env.SIM_PORT ?? 4010),
    // Twilio's own simulator port, so `PUT /sim/faults/twilio {"down":true}` refuses connections like a dead provider.
    simTwilio: Number(env.SIM_TWILIO_PORT ?? 4011),
    smsHealth: Number(env.SMS_WORKER_HEALTH_PORT ?? 9101),
    voiceHealth: Number(env.VOICE_WORKER_HEALTH_PORT ?? 9102),
    redis: Number(env.LOCAL_REDIS_PORT ?? 6390),
    okta: Number(env.OKTA_SIM_PORT ?? 4020),
    admin: Number(env.ADMIN_PORT ?? 9100),
  };
}

/**
 * The `dev` profile of the one system launcher (@byot/testkit launchSystem): what `npm start` runs. One sms- and
 * one voice-worker showing failover (Twilio first, the simulated Vonage as backup), receipts on, both of Okta's
 * hook authentications, the fraud controls with an explicit country list, okta-sim as the customer's org; the
 * sandbox accounts and this checkout's generated secrets; Redis with its AOF in the data folder unless REDIS_URL
 * is set. Whatever the environment sets wins over these defaults. A new part of the sandbox (demo tenants, a
 * Sentinel Redis) is one more entry here, or one more launcher option.
 */
export function devSystemOptions(env: Record<string, string>): LaunchOptions {
  const ports = devPorts(env);
  const given = (keys: string[]) => pick(env, keys);
  const providers = given(['SMS_PROVIDERS', 'VOICE_PROVIDERS']);
  const consoleOidc = devConsoleOidc(env);
  return {
    profile: 'dev',
    env,
    credentials: devCredentials(env),
    redis: env.REDIS_URL ? { url: env.REDIS_URL } : { port: ports.redis, dir: join(DATA_DIR, 'redis') },
    ports,
    smsWorkers: 1,
    voiceWorkers: 1,
    failover: true,
    logLevel: env.LOG_LEVEL ?? 'info',
    readyTimeoutMs: 30_000,
    // Providers call back on the ingress, as they would on its public URL: receipts drive the ledger and failover.
    ...(env.PUBLIC_BASE_URL ? { publicBaseUrl: env.PUBLIC_BASE_URL } : {}),
    simEnv: {},
    workerEnv: {
      ...providers,
      ...given(['VONAGE_REST_HOST', 'VONAGE_API_HOST', 'TWILIO_API_BASE_URL']),
    },
    ingressEnv: {
      ...providers,
      // Both of Okta's schemes: the header secret, and OAuth 2.0 with byot's token endpoint (Client ID/Secret).
      OKTA_HOOK_AUTH: env.OKTA_HOOK_AUTH ?? 'header,oauth',
      OKTA_HOOK_OAUTH_CLIENT_ID: env.OKTA_HOOK_OAUTH_CLIENT_ID ?? SANDBOX_OAUTH_CLIENT_ID,
      // The fraud controls as a deployment should run them: an explicit country list, not `*`.
      ALLOWED_COUNTRIES: env.ALLOWED_COUNTRIES ?? SANDBOX_COUNTRIES,
      ...consoleOidc?.ingressEnv,
    },
    oktaSim: {
      apiToken: env.OKTA_SIM_API_TOKEN ?? '',
      ...(consoleOidc ? { env: consoleOidc.oktaSimEnv } : {}),
    },
    // Two customer orgs beside `default`, unless the operator brings a TENANTS_FILE (then every service reads it).
    ...(env.TENANTS_FILE ? {} : { tenants: { demo: sandboxTenants(env), dir: DATA_DIR } }),
  };
}

/**
 * The support console's "Sign in with Okta" against okta-sim (its client and people, and CONSOLE_OIDC_* for the
 * ingress), unless the environment names a real Okta (CONSOLE_OIDC_ISSUER): then that is used as it is.
 */
export function devConsoleOidc(env: Record<string, string>): SandboxConsoleOidc | undefined {
  if (env.CONSOLE_OIDC_ISSUER) return undefined;
  const ports = devPorts(env);
  return sandboxConsoleOidc({ adminPort: ports.admin, oktaUrl: `http://127.0.0.1:${ports.okta}` });
}

/** The sandbox accounts (the environment may name others) and this checkout's generated secrets. */
function devCredentials(env: Record<string, string>): SandboxCredentials {
  const required = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`${key} is missing from the environment and from ${DEV_SECRETS_FILE}`);
    return value;
  };
  return {
    twilio: { ...SANDBOX_TWILIO, ...pick(env, Object.keys(SANDBOX_TWILIO)) },
    vonage: {
      ...SANDBOX_VONAGE,
      ...pick(env, Object.keys(SANDBOX_VONAGE)),
      VONAGE_PRIVATE_KEY: required('VONAGE_PRIVATE_KEY'),
      VONAGE_SIGNATURE_SECRET: required('VONAGE_SIGNATURE_SECRET'),
    },
    DATA_ENCRYPTION_KEY: required('DATA_ENCRYPTION_KEY'),
    OKTA_HOOK_AUTH_SECRET: required('OKTA_HOOK_AUTH_SECRET'),
    ADMIN_TOKEN: required('ADMIN_TOKEN'),
  };
}

function pick(source: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => source[k]).map((k) => [k, source[k] as string]));
}
