import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MANAGEMENT_SCOPES, NAMES } from './names.ts';
import type { OktaCredentials } from './okta-org.ts';
import type { TenantDefaults } from './tenants.ts';

export type Command = 'setup' | 'verify' | 'status' | 'teardown';
export const COMMANDS: readonly Command[] = ['setup', 'verify', 'status', 'teardown'];

/** A mistake in how the command was called: printed with the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface HookAuthSettings {
  /** OKTA_HOOK_AUTH_HEADER (Okta's "Authentication field"), e.g. "Authorization". */
  header: string;
  /** OKTA_HOOK_AUTH_SECRET: the exact value Okta sends. */
  secret?: string;
  /** OKTA_HOOK_OAUTH_CLIENT_ID / _SECRET / _JWKS: the client byot's token endpoint knows. */
  oauthClientId?: string;
  oauthClientSecret?: string;
  oauthClientJwks?: string;
}

export interface Settings {
  command: Command;
  orgUrl: string;
  /** Where the org URL came from, said once at the top of the output. */
  orgSource: string;
  credentials: OktaCredentials;
  tenant: string;
  allTenants: boolean;
  hookUrl?: string;
  /** Undefined for status/teardown without --auth: whatever setup chose. */
  auth?: 'header' | 'oauth';
  clientAuth: 'client_secret_post' | 'private_key_jwt';
  tokenUrl?: string;
  /** Given explicitly (status compares it) or the default name (setup). */
  group?: string;
  user?: string;
  voice: boolean;
  zone?: string;
  zoneCountries?: string[];
  dryRun: boolean;
  yes: boolean;
  phone?: string;
  channel: 'sms' | 'voice';
  byotUrl?: string;
  adminToken?: string;
  hookAuth: HookAuthSettings;
}

const OPTIONS = {
  'org-url': { type: 'string' },
  'api-token': { type: 'string' },
  'hook-url': { type: 'string' },
  auth: { type: 'string' },
  'client-auth': { type: 'string' },
  'token-url': { type: 'string' },
  group: { type: 'string' },
  user: { type: 'string' },
  voice: { type: 'boolean', default: false },
  zone: { type: 'string' },
  'zone-countries': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  tenant: { type: 'string' },
  'all-tenants': { type: 'boolean', default: false },
  phone: { type: 'string' },
  channel: { type: 'string' },
  'byot-url': { type: 'string' },
  yes: { type: 'boolean', short: 'y', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** What setup and status share: the objects' options (status compares them when given). */
const OBJECT_OPTIONS = [
  'hook-url',
  'auth',
  'client-auth',
  'token-url',
  'group',
  'user',
  'voice',
  'zone',
  'zone-countries',
  'tenant',
];

/** Which options each command takes (the rest are refused, so that a typo is not silently ignored). */
const ALLOWED: Record<Command, readonly string[]> = {
  setup: [...OBJECT_OPTIONS, 'dry-run', 'all-tenants'],
  verify: ['phone', 'channel', 'user', 'byot-url', 'tenant', 'all-tenants'],
  status: [...OBJECT_OPTIONS, 'all-tenants'],
  teardown: ['yes', 'group', 'zone', 'tenant', 'all-tenants'],
};

export function parseCommandLine(argv: readonly string[]): {
  command?: Command;
  values: Record<string, unknown>;
  help: boolean;
} {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const [name, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  if (name !== undefined && !(COMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown command "${name}": one of ${COMMANDS.join(', ')}`);
  }
  const command = name as Command | undefined;
  if (command) {
    const common = ['org-url', 'api-token', 'help'];
    for (const [option, value] of Object.entries(values)) {
      if (value === undefined || value === false) continue;
      if (!common.includes(option) && !ALLOWED[command].includes(option)) {
        throw new UsageError(`--${option} is not an option of "${command}"`);
      }
    }
  }
  return { ...(command ? { command } : {}), values, help: values.help === true };
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** https://, or http:// on a loopback host (the simulator, tests); anything else is refused by name. */
export function checkUrl(
  label: string,
  value: string,
  options: { originOnly?: boolean; anyHttp?: boolean } = {},
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${label} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.username || url.password) throw new UsageError(`${label} must not carry credentials`);
  const http = url.protocol === 'http:' && (options.anyHttp === true || isLoopbackHost(url.hostname));
  if (url.protocol !== 'https:' && !http) {
    throw new UsageError(
      `${label} must use https:// (plain http:// only for loopback hosts: the simulator, tests)`,
    );
  }
  if (options.originOnly && url.pathname !== '/' && url.pathname !== '') {
    throw new UsageError(`${label} must be the org's base URL (e.g. https://acme.okta.com), without a path`);
  }
  return options.originOnly ? url.origin : url.toString();
}

/**
 * Options and environment → what the command runs with. Option names and environment names are fixed by the
 * issue: --org-url/OKTA_ORG_URL, --api-token/OKTA_API_TOKEN or OKTA_CLIENT_ID + OKTA_PRIVATE_KEY. `sandbox`
 * holds the org npm start runs (okta-sim), used only when no org is given at all. `decided` holds what a tenant
 * of the tenants file decides (hook URL, token URL, authentication); an explicit option still wins.
 */
export function resolveSettings(
  command: Command,
  values: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  sandbox?: Readonly<Record<string, string>>,
  decided: TenantDefaults = {},
): Settings {
  const opt = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const given = opt('org-url') ?? env.OKTA_ORG_URL;
  const useSandbox = given === undefined && sandbox?.OKTA_ORG_URL !== undefined;
  const orgRaw = given ?? sandbox?.OKTA_ORG_URL;
  if (!orgRaw) {
    throw new UsageError(
      'no Okta org: give --org-url https://<your-org>.okta.com (or OKTA_ORG_URL), or start the sandbox (npm start)',
    );
  }
  const orgUrl = checkUrl('--org-url', orgRaw, { originOnly: true });
  const orgSource = opt('org-url')
    ? '--org-url'
    : useSandbox
      ? "the sandbox's okta-sim, from npm start"
      : (decided.orgSource ?? 'OKTA_ORG_URL');
  // Okta itself refuses plain http:// hook URLs; a loopback simulator decides for itself (the sandbox in compose
  // calls http://hook-ingress:8080), so the command defers to it there.
  const simulator = new URL(orgUrl).protocol === 'http:';
  const credentialEnv = useSandbox ? { ...env, ...sandbox } : env;
  const credentials = resolveCredentials(opt('api-token'), credentialEnv);

  const auth = opt('auth') ?? decided.auth;
  if (auth !== undefined && auth !== 'header' && auth !== 'oauth')
    throw new UsageError('--auth must be header or oauth');
  const clientAuth =
    opt('client-auth') ?? (auth === 'oauth' ? decided.clientAuth : undefined) ?? 'client_secret_post';
  if (clientAuth !== 'client_secret_post' && clientAuth !== 'private_key_jwt') {
    throw new UsageError('--client-auth must be client_secret_post or private_key_jwt');
  }
  if (opt('client-auth') && auth !== 'oauth') throw new UsageError('--client-auth goes with --auth oauth');
  const hookUrl = opt('hook-url') ?? decided.hookUrl;
  if (command === 'setup' && !hookUrl)
    throw new UsageError(
      decided.orgSource
        ? "setup needs the hook URL: set PUBLIC_BASE_URL (byot's public URL; the tenant's hook is {PUBLIC_BASE_URL}/v1/okta/telephony/{tenant}) or give --hook-url"
        : 'setup needs --hook-url, e.g. https://byot.example.com/v1/okta/telephony',
    );
  const tokenUrl = opt('token-url') ?? decided.tokenUrl;
  const channel = opt('channel') ?? 'sms';
  if (channel !== 'sms' && channel !== 'voice') throw new UsageError('--channel must be sms or voice');
  const tenant = opt('tenant') ?? 'default';
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(tenant))
    throw new UsageError('--tenant must match [a-z0-9][a-z0-9-]{0,39}');
  const user = opt('user');
  if (user !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(user)) {
    throw new UsageError('--user must be the login of an Okta user, an e-mail address');
  }
  const zoneCountries = opt('zone-countries')
    ?.split(',')
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  if (zoneCountries && !opt('zone')) throw new UsageError('--zone-countries goes with --zone NAME');
  if (zoneCountries?.some((c) => !/^[A-Z]{2}$/.test(c))) {
    throw new UsageError('--zone-countries takes ISO 3166-1 alpha-2 codes, e.g. US,CA');
  }
  const phone = opt('phone');
  if (phone !== undefined && !/^\+[1-9]\d{6,14}$/.test(phone))
    throw new UsageError('--phone must be E.164, e.g. +14155550123');

  return {
    command,
    orgUrl,
    orgSource,
    credentials,
    tenant,
    allTenants: values['all-tenants'] === true,
    ...(hookUrl ? { hookUrl: checkUrl('--hook-url', hookUrl, { anyHttp: simulator }) } : {}),
    ...(auth ? { auth: auth as 'header' | 'oauth' } : {}),
    clientAuth,
    ...(tokenUrl ? { tokenUrl: checkUrl('--token-url', tokenUrl, { anyHttp: simulator }) } : {}),
    ...(opt('group') ? { group: opt('group') } : command === 'setup' ? { group: NAMES.group } : {}),
    ...(user ? { user } : {}),
    voice: values.voice === true,
    ...(opt('zone') ? { zone: opt('zone') } : {}),
    ...(zoneCountries ? { zoneCountries } : {}),
    dryRun: values['dry-run'] === true,
    yes: values.yes === true,
    ...(phone ? { phone } : {}),
    channel,
    ...(opt('byot-url')
      ? { byotUrl: checkUrl('--byot-url', opt('byot-url') as string, { originOnly: true }) }
      : {}),
    ...(env.ADMIN_TOKEN ? { adminToken: env.ADMIN_TOKEN } : {}),
    hookAuth: {
      header: canonicalHeader(env.OKTA_HOOK_AUTH_HEADER ?? 'Authorization'),
      ...(env.OKTA_HOOK_AUTH_SECRET ? { secret: env.OKTA_HOOK_AUTH_SECRET } : {}),
      ...(env.OKTA_HOOK_OAUTH_CLIENT_ID ? { oauthClientId: env.OKTA_HOOK_OAUTH_CLIENT_ID } : {}),
      ...(env.OKTA_HOOK_OAUTH_CLIENT_SECRET ? { oauthClientSecret: env.OKTA_HOOK_OAUTH_CLIENT_SECRET } : {}),
      ...(env.OKTA_HOOK_OAUTH_CLIENT_JWKS ? { oauthClientJwks: env.OKTA_HOOK_OAUTH_CLIENT_JWKS } : {}),
    },
  };
}

function resolveCredentials(
  apiTokenOption: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): OktaCredentials {
  if (apiTokenOption) return { kind: 'api-token', token: apiTokenOption };
  if (env.OKTA_CLIENT_ID || env.OKTA_PRIVATE_KEY) {
    if (!env.OKTA_CLIENT_ID || !env.OKTA_PRIVATE_KEY) {
      throw new UsageError('an OAuth 2.0 service app needs both OKTA_CLIENT_ID and OKTA_PRIVATE_KEY');
    }
    return {
      kind: 'service-app',
      clientId: env.OKTA_CLIENT_ID,
      privateKey: readKey(env.OKTA_PRIVATE_KEY),
      ...(env.OKTA_KEY_ID ? { keyId: env.OKTA_KEY_ID } : {}),
      scopes: env.OKTA_SCOPES ? env.OKTA_SCOPES.split(/[\s,]+/).filter(Boolean) : [...MANAGEMENT_SCOPES],
    };
  }
  if (env.OKTA_API_TOKEN) return { kind: 'api-token', token: env.OKTA_API_TOKEN };
  throw new UsageError(
    'no Okta credentials: --api-token (or OKTA_API_TOKEN), or OKTA_CLIENT_ID + OKTA_PRIVATE_KEY',
  );
}

/** OKTA_PRIVATE_KEY: a PEM, a private JWK (JSON), or the path of a file holding either. */
function readKey(value: string): string {
  const text = value.replaceAll('\\n', '\n').trim();
  if (text.startsWith('-----BEGIN') || text.startsWith('{')) return text;
  if (existsSync(text)) return readFileSync(text, 'utf8').trim();
  throw new UsageError(
    'OKTA_PRIVATE_KEY must be a PEM private key, a private JWK, or the path of a file holding one',
  );
}

/** Okta shows header names as typed; "authorization" and "Authorization" are the same header. */
export function canonicalHeader(name: string): string {
  return name
    .split('-')
    .map((part) => (part ? part[0]?.toUpperCase() + part.slice(1).toLowerCase() : part))
    .join('-');
}
