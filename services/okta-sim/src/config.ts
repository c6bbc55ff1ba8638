import { z } from 'zod';
import { type OidcClient, OidcClientsSchema } from './oidc/clients.ts';
import type { SeedUser } from './org/org.ts';

/** The sandbox's API token when OKTA_SIM_API_TOKEN is unset (loopback only; printed at start-up as such). */
export const SANDBOX_API_TOKEN = '00sandbox-okta-sim-api-token-not-secret';

export interface OktaSimConfig {
  port: number;
  host: string;
  publicUrl?: string;
  apiToken: string;
  sandboxApiToken: boolean;
  oidcClients: OidcClient[];
  users?: SeedUser[];
  serviceApps: ServiceAppConfig[];
  resendIntervalMs: number;
  secondTelephonyHook: 'reject' | 'skip';
  inboxUrl?: string;
  /** Hosts where plain http:// hook and token URLs are accepted besides loopback (compose: hook-ingress). */
  httpHookHosts: string[];
  /** More orgs, one per port, each with its own objects and API token (MSP tenants in the sandbox). */
  orgs: ExtraOrgConfig[];
}

/**
 * Another Okta org served by the same process (OKTA_SIM_ORGS). Okta orgs are origins (https://acme.okta.com,
 * no path), and so are the tenants file's `oktaOrg`s: each org therefore gets its own port rather than a path.
 */
export interface ExtraOrgConfig {
  name: string;
  port: number;
  apiToken: string;
  sandboxApiToken: boolean;
  publicUrl?: string;
}

/** An extra org's API token when OKTA_SIM_ORGS gives none: public, loopback sandbox only, like SANDBOX_API_TOKEN. */
export function sandboxApiTokenOf(org: string): string {
  return `${SANDBOX_API_TOKEN}-${org}`;
}

/** An OAuth 2.0 service app allowed to call the Management API (OKTA_CLIENT_ID + OKTA_PRIVATE_KEY on the command's side). */
export interface ServiceAppConfig {
  clientId: string;
  /** Public JWKs (or one PEM public key) its client assertions are verified with. */
  keys: { keys: Record<string, unknown>[] } | string;
  scopes: string[];
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const json = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not valid JSON (${(error as Error).message})` });
    return z.NEVER;
  }
});

const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const SeedUsersSchema = z.array(
  z.object({
    login: z.string().min(3).max(100),
    firstName: z.string().min(1).max(50).optional(),
    lastName: z.string().min(1).max(50).optional(),
    groups: z.array(z.string().min(1).max(255)).optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +14155550123')
      .optional(),
  }),
);

const ServiceAppsSchema = z.array(
  z.object({
    client_id: z.string().min(1),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    public_key: z.string().includes('PUBLIC KEY').optional(),
    scopes: z.array(z.string().startsWith('okta.')).min(1),
  }),
);

const ExtraOrgsSchema = z.array(
  z.strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be [a-z0-9][a-z0-9-]{0,39}'),
    port: z.number().int().min(0).max(65_535),
    apiToken: z.string().min(20, 'must be at least 20 characters').optional(),
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  }),
);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4020),
  HOST: z.string().min(1).default('127.0.0.1'),
  OKTA_SIM_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  OKTA_SIM_API_TOKEN: z.string().min(20, 'must be at least 20 characters').optional(),
  OKTA_SIM_OIDC_CLIENTS: json.pipe(OidcClientsSchema).optional(),
  OKTA_SIM_OIDC_CLIENT_ID: z.string().min(1).optional(),
  OKTA_SIM_OIDC_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  OKTA_SIM_OIDC_REDIRECT_URIS: commaList.optional(),
  OKTA_SIM_OIDC_POST_LOGOUT_REDIRECT_URIS: commaList.optional(),
  OKTA_SIM_USERS: json.pipe(SeedUsersSchema).optional(),
  OKTA_SIM_SERVICE_APPS: json.pipe(ServiceAppsSchema).optional(),
  OKTA_SIM_RESEND_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
  OKTA_SIM_SECOND_TELEPHONY_HOOK: z.enum(['reject', 'skip']).default('reject'),
  OKTA_SIM_INBOX_URL: z.url({ protocol: /^https?$/ }).optional(),
  OKTA_SIM_HTTP_HOOK_HOSTS: commaList.optional(),
  OKTA_SIM_ORGS: json.pipe(ExtraOrgsSchema).optional(),
});

/** Reads the simulator's environment; blank variables count as unset. Throws ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): OktaSimConfig {
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
        return `${rest.length > 0 ? `${variable} (at ${rest.join('.')})` : (variable ?? 'environment')}: ${issue.message}`;
      }),
    );
  }
  const v = parsed.data;
  const problems: string[] = [];
  const oidcClients = [...(v.OKTA_SIM_OIDC_CLIENTS ?? [])];
  const trio = [v.OKTA_SIM_OIDC_CLIENT_ID, v.OKTA_SIM_OIDC_CLIENT_SECRET, v.OKTA_SIM_OIDC_REDIRECT_URIS];
  if (trio.some((x) => x !== undefined)) {
    if (trio.some((x) => x === undefined)) {
      problems.push(
        'OKTA_SIM_OIDC_CLIENT_ID, OKTA_SIM_OIDC_CLIENT_SECRET and OKTA_SIM_OIDC_REDIRECT_URIS go together',
      );
    } else {
      const single = OidcClientsSchema.safeParse([
        {
          client_id: v.OKTA_SIM_OIDC_CLIENT_ID,
          client_secret: v.OKTA_SIM_OIDC_CLIENT_SECRET,
          redirect_uris: v.OKTA_SIM_OIDC_REDIRECT_URIS,
          post_logout_redirect_uris: v.OKTA_SIM_OIDC_POST_LOGOUT_REDIRECT_URIS ?? [],
        },
      ]);
      if (single.success) oidcClients.push(...single.data);
      else
        problems.push(...single.error.issues.map((i) => `OKTA_SIM_OIDC_*: ${i.path.join('.')} ${i.message}`));
    }
  }
  const serviceApps: ServiceAppConfig[] = [];
  for (const [index, app] of (v.OKTA_SIM_SERVICE_APPS ?? []).entries()) {
    const keys = app.jwks ?? app.public_key;
    if (keys === undefined) {
      problems.push(`OKTA_SIM_SERVICE_APPS (at ${index}): give jwks or public_key`);
      continue;
    }
    serviceApps.push({ clientId: app.client_id, keys, scopes: app.scopes });
  }
  const orgs = v.OKTA_SIM_ORGS ?? [];
  orgs.forEach((org, index) => {
    if (orgs.findIndex((o) => o.name === org.name) !== index)
      problems.push(`OKTA_SIM_ORGS (at ${index}): org "${org.name}" is listed twice`);
    if (org.port !== 0 && (org.port === v.PORT || orgs.findIndex((o) => o.port === org.port) !== index))
      problems.push(`OKTA_SIM_ORGS (at ${index}): port ${org.port} is already taken by another org`);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: v.PORT,
    host: v.HOST,
    ...(v.OKTA_SIM_PUBLIC_URL ? { publicUrl: v.OKTA_SIM_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    apiToken: v.OKTA_SIM_API_TOKEN ?? SANDBOX_API_TOKEN,
    sandboxApiToken: v.OKTA_SIM_API_TOKEN === undefined,
    oidcClients,
    ...(v.OKTA_SIM_USERS ? { users: v.OKTA_SIM_USERS } : {}),
    serviceApps,
    resendIntervalMs: v.OKTA_SIM_RESEND_INTERVAL_SECONDS * 1000,
    secondTelephonyHook: v.OKTA_SIM_SECOND_TELEPHONY_HOOK,
    ...(v.OKTA_SIM_INBOX_URL ? { inboxUrl: v.OKTA_SIM_INBOX_URL } : {}),
    httpHookHosts: (v.OKTA_SIM_HTTP_HOOK_HOSTS ?? []).map((h) => h.toLowerCase()),
    orgs: orgs.map((org) => ({
      name: org.name,
      port: org.port,
      apiToken: org.apiToken ?? sandboxApiTokenOf(org.name),
      sandboxApiToken: org.apiToken === undefined,
      ...(org.publicUrl ? { publicUrl: org.publicUrl.replace(/\/+$/, '') } : {}),
    })),
  };
}
