/**
 * Where a tenant's Okta settings come from. Without `--tenant`/`--all-tenants` the command works on one org, the
 * tenant `default`, described by the environment (OKTA_ORG_URL, OKTA_API_TOKEN, OKTA_HOOK_AUTH_SECRET…). With
 * them it reads the tenants file (TENANTS_FILE) with packages/tenancy's loader, exactly as the services do: each
 * tenant's `oktaOrg`, its Management API credentials (`oktaApi`), its hook auth (`hookAuth`), and its public paths
 * (`{PUBLIC_BASE_URL}/v1/okta/telephony/{tenant}`, token URL `{PUBLIC_BASE_URL}/oauth2/{tenant}/v1/token`).
 *
 * A tenant is handed to the rest of the command as the same environment names the single-org command reads, plus
 * defaults for the options the tenant decides (hook URL, token URL, authentication), so one code path serves both.
 */
import { fraudPolicyOverrideSchema } from '@byot/fraud';
import { envNameFor, loadTenantsFile, type Tenant, tenantPaths } from '@byot/tenancy';
import type { GeneratedBlock } from './steps.ts';

export const DEFAULT_TENANT = 'default';

/** What a tenant decides of the options (an explicit option still wins). */
export interface TenantDefaults {
  hookUrl?: string;
  tokenUrl?: string;
  auth?: 'header' | 'oauth';
  clientAuth?: 'client_secret_post' | 'private_key_jwt';
  /** Said once at the top of the output, instead of "OKTA_ORG_URL". */
  orgSource?: string;
}

export interface TenantTarget {
  id: string;
  /** The environment this tenant's commands run with: the single-org command's names (OKTA_ORG_URL, …). */
  env: Record<string, string | undefined>;
  defaults: TenantDefaults;
}

export interface TenantDirectory {
  /** Every tenant `--all-tenants` runs. */
  ids(): string[];
  target(id: string): TenantTarget;
  /**
   * How generated secrets are handed over: the env block (single org) or the tenant's block for the tenants
   * file, printed once.
   */
  describeGenerated(id: string, blocks: readonly GeneratedBlock[]): string;
}

export class UnknownTenant extends Error {
  override name = 'UnknownTenant';
}

/** A tenants file the command cannot use: every problem, as the services would list them. */
export class TenantsFileRefused extends Error {
  override name = 'TenantsFileRefused';
}

/** The single-org deployment: the tenant `default`, configured by the environment. */
export function environmentTenants(env: Readonly<Record<string, string | undefined>>): TenantDirectory {
  return {
    ids: () => [DEFAULT_TENANT],
    target(id) {
      if (id !== DEFAULT_TENANT) {
        throw new UnknownTenant(
          `tenant "${id}" is unknown: without a tenants file (TENANTS_FILE) the only tenant is "default", configured by this environment`,
        );
      }
      return { id, env: { ...env }, defaults: {} };
    },
    describeGenerated: (_id, blocks) => envBlock(blocks),
  };
}

/** The environment names of the single org that must never leak into another tenant's run. */
const SINGLE_ORG_NAMES = [
  'OKTA_ORG_URL',
  'OKTA_API_TOKEN',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY',
  'OKTA_KEY_ID',
  'OKTA_SCOPES',
  'OKTA_HOOK_AUTH',
  'OKTA_HOOK_AUTH_HEADER',
  'OKTA_HOOK_AUTH_SECRET',
  'OKTA_HOOK_OAUTH_CLIENT_ID',
  'OKTA_HOOK_OAUTH_CLIENT_SECRET',
  'OKTA_HOOK_OAUTH_CLIENT_JWKS',
];

/**
 * The tenants of TENANTS_FILE. `env` is the process environment: the file's `${NAME}` substitutions,
 * PUBLIC_BASE_URL (byot's public URL, for each tenant's hook and token URLs) and ADMIN_TOKEN. The tenant
 * `default`, when the file does not list it, is still the environment's.
 */
export function fileTenants(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): TenantDirectory {
  const loaded = loadTenantsFile(file, {
    env: env as NodeJS.ProcessEnv,
    policySchema: fraudPolicyOverrideSchema,
  });
  if (!loaded.ok) {
    throw new TenantsFileRefused(
      `the tenants file ${file} is refused (${loaded.problems.length} problem(s)):\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  const tenants = loaded.config.tenants;
  const single = environmentTenants(env);
  return {
    ids: () => [...tenants.keys()],
    target(id) {
      const tenant = tenants.get(id);
      if (!tenant) {
        if (id === DEFAULT_TENANT) return single.target(id);
        throw new UnknownTenant(
          `tenant "${id}" is not in ${file} (tenants: ${[...tenants.keys()].join(', ')})`,
        );
      }
      return tenantTarget(tenant, file, env);
    },
    describeGenerated: (id, blocks) =>
      tenants.has(id) ? tenantBlock(id, file, blocks) : single.describeGenerated(id, blocks),
  };
}

function tenantTarget(
  tenant: Tenant,
  file: string,
  processEnv: Readonly<Record<string, string | undefined>>,
): TenantTarget {
  const env: Record<string, string | undefined> = { ...processEnv };
  for (const name of SINGLE_ORG_NAMES) delete env[name];
  if (tenant.oktaOrg) env.OKTA_ORG_URL = tenant.oktaOrg;
  const api = tenant.oktaApi;
  if (api && 'token' in api) env.OKTA_API_TOKEN = api.token;
  else if (api) {
    env.OKTA_CLIENT_ID = api.clientId;
    env.OKTA_PRIVATE_KEY = api.privateKey;
    if (api.keyId) env.OKTA_KEY_ID = api.keyId;
    if (api.scopes) env.OKTA_SCOPES = api.scopes.join(' ');
  }
  const { header, oauthClients } = tenant.hookAuth;
  if (header) {
    env.OKTA_HOOK_AUTH_HEADER = header.name;
    env.OKTA_HOOK_AUTH_SECRET = header.value;
  }
  // The first client is the one the hook uses; a second one is there while a secret is being rotated.
  const client = oauthClients[0];
  if (client) {
    env.OKTA_HOOK_OAUTH_CLIENT_ID = client.clientId;
    if (client.clientSecret) env.OKTA_HOOK_OAUTH_CLIENT_SECRET = client.clientSecret;
    if (client.clientJwks !== undefined) env.OKTA_HOOK_OAUTH_CLIENT_JWKS = JSON.stringify(client.clientJwks);
  }
  if (env.ADMIN_TOKEN === undefined && tenant.adminToken) env.ADMIN_TOKEN = tenant.adminToken;
  const base = processEnv.PUBLIC_BASE_URL;
  const paths = base ? tenantPaths(base, tenant.id) : undefined;
  const hookUrl =
    paths && tenant.id === DEFAULT_TENANT ? `${base?.replace(/\/+$/, '')}/v1/okta/telephony` : paths?.hook;
  // The tenant says which authentication when it has only one kind; with both, the option (or the hook) decides.
  const auth = header && !client ? 'header' : client && !header ? 'oauth' : undefined;
  return {
    id: tenant.id,
    env,
    defaults: {
      ...(hookUrl ? { hookUrl } : {}),
      ...(paths ? { tokenUrl: paths.tokenUrl } : {}),
      ...(auth ? { auth } : {}),
      ...(client
        ? { clientAuth: client.clientJwks !== undefined ? 'private_key_jwt' : 'client_secret_post' }
        : {}),
      orgSource: `tenant ${tenant.id} of ${file}`,
    },
  };
}

/** True when a tenant gives the command no Management API credentials (checked before connecting). */
export function lacksOktaApi(target: TenantTarget): boolean {
  const e = target.env;
  return !e.OKTA_API_TOKEN && !(e.OKTA_CLIENT_ID && e.OKTA_PRIVATE_KEY);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Generated values, once, as an env block to paste into byot's configuration (the single org). */
export function envBlock(blocks: readonly GeneratedBlock[]): string {
  if (blocks.length === 0) return '';
  const merged: Record<string, string> = {};
  for (const block of blocks) Object.assign(merged, block.env);
  const secret = blocks.some((b) => b.secret);
  return [
    '',
    `Generated for byot — add to its environment (.env) and restart hook-ingress${secret ? '; shown only this once' : ''}:`,
    ...Object.entries(merged).map(([key, value]) => `  ${key}=${shellQuote(value)}`),
    '',
  ].join('\n');
}

/**
 * Generated values for a tenant of the tenants file: the `hookAuth` lines to add to its entry (secrets as
 * `${NAME}` references, as the file keeps them) and the values of those names for the secret store, once.
 * The file is not rewritten: it usually lives in version control or a ConfigMap, with its secrets elsewhere.
 */
function tenantBlock(id: string, file: string, blocks: readonly GeneratedBlock[]): string {
  if (blocks.length === 0) return '';
  const merged: Record<string, string> = {};
  for (const block of blocks) Object.assign(merged, block.env);
  const yaml: string[] = [];
  const store: Record<string, string> = {};
  if (merged.OKTA_HOOK_AUTH_SECRET) {
    const name = envNameFor(id, 'HOOK_SECRET');
    store[name] = merged.OKTA_HOOK_AUTH_SECRET;
    yaml.push(
      `      header: { name: ${(merged.OKTA_HOOK_AUTH_HEADER ?? 'authorization').toLowerCase()}, value: "\${${name}}" }`,
    );
  }
  if (merged.OKTA_HOOK_OAUTH_CLIENT_ID) {
    const clientId = merged.OKTA_HOOK_OAUTH_CLIENT_ID;
    if (merged.OKTA_HOOK_OAUTH_CLIENT_SECRET) {
      const name = envNameFor(id, 'OAUTH_SECRET');
      store[name] = merged.OKTA_HOOK_OAUTH_CLIENT_SECRET;
      yaml.push('      oauthClients:', `        - { clientId: ${clientId}, clientSecret: "\${${name}}" }`);
    } else if (merged.OKTA_HOOK_OAUTH_CLIENT_JWKS) {
      yaml.push(
        '      oauthClients:',
        `        - { clientId: ${clientId}, clientJwks: ${merged.OKTA_HOOK_OAUTH_CLIENT_JWKS} }`,
      );
    }
  }
  const secret = blocks.some((b) => b.secret);
  return [
    '',
    `Generated for tenant ${id} — add to its entry in ${file} and reload byot (SIGHUP or wait for the watcher):`,
    'tenants:',
    `  ${id}:`,
    '    hookAuth:',
    ...yaml,
    ...(Object.keys(store).length > 0
      ? [
          `and to the secret store the file reads${secret ? ' (shown only this once)' : ''}:`,
          ...Object.entries(store).map(([key, value]) => `  ${key}=${shellQuote(value)}`),
        ]
      : []),
    '',
  ].join('\n');
}
