import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

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
