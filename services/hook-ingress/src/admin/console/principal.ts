import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Who is using the console and what they may do. An MSP operator sees every tenant and may act (lift a block);
 * a tenant viewer sees one tenant and only reads. Every read filters by `visibleTenants`, every action checks
 * `canAct` — in the route handler, not only in what the page shows.
 */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const DEFAULT_TENANT = 'default';

export const principalSchema = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('operator'),
    name: z.string().max(200),
    via: z.enum(['token', 'oidc']),
  }),
  z.object({
    role: z.literal('viewer'),
    tenant: z.string().regex(TENANT_ID),
    name: z.string().max(200),
    via: z.enum(['token', 'oidc']),
  }),
]);
export type Principal = z.infer<typeof principalSchema>;

export function canAct(principal: Principal): boolean {
  return principal.role === 'operator';
}

export function canSeeTenant(principal: Principal, tenant: string): boolean {
  return principal.role === 'operator' || principal.tenant === tenant;
}

/** The tenants this principal may see, of those that exist. */
export function visibleTenants(principal: Principal, tenants: ConsoleTenants): string[] {
  return principal.role === 'operator' ? tenants.ids() : tenants.ids().filter((t) => t === principal.tenant);
}

export function describeRole(principal: Principal): string {
  return principal.role === 'operator' ? 'MSP operator · all tenants' : `viewer · ${principal.tenant}`;
}

/**
 * The tenants the console knows, and the tenants' own admin tokens (each signs in as that tenant's viewer). The
 * single-org setup has one tenant, `default`, described by the environment, with no token of its own (ADMIN_TOKEN
 * is the MSP's operator credential): `fixedTenants`. With a tenants file: `directoryTenants` over the ingress's
 * tenant directory, reloads included.
 */
export interface ConsoleTenants {
  /** The tenants that exist now, sorted. */
  ids(): string[];
  /** The tenant whose adminToken this is, if any (compared in constant time). */
  viewerTokenOwner(token: string): string | undefined;
  /** The fingerprint of this tenant's adminToken now (`credentialFingerprint`); undefined when it has none. */
  viewerCredential(tenant: string): string | undefined;
  /** Whether any tenant has an adminToken now (the token sign-in is offered even without ADMIN_TOKEN). */
  hasViewerTokens(): boolean;
  /** The tenants can change while running (a reload may bring the first adminToken): keep the console mounted. */
  reloadable?: boolean;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * What a token session remembers of the token it was opened with, so that rotating the token (a tenant's adminToken
 * in a reload, ADMIN_TOKEN at a restart) ends the sessions it opened on their next request. 128 bits of a
 * domain-separated SHA-256: the tokens are long random strings, so Redis holding this gives no usable token.
 */
export function credentialFingerprint(token: string): string {
  return createHash('sha256')
    .update('byot-console-credential\0', 'utf8')
    .update(token, 'utf8')
    .digest('base64url')
    .slice(0, 22);
}

/**
 * Whether the credential a session was opened with still signs in as the same principal. OpenID Connect sessions
 * carry no token (their roles come from the IdP at sign-in and end with the session); a token session whose token
 * was rotated or removed, or which predates fingerprints, is over.
 */
export function sessionCredentialIsCurrent(
  session: { principal: Principal; credential?: string },
  adminToken: string | undefined,
  tenants: ConsoleTenants,
): boolean {
  const { principal, credential } = session;
  if (principal.via === 'oidc') return true;
  if (credential === undefined) return false;
  const current =
    principal.role === 'operator'
      ? adminToken === undefined
        ? undefined
        : credentialFingerprint(adminToken)
      : tenants.viewerCredential(principal.tenant);
  if (current === undefined || current.length !== credential.length) return false;
  return timingSafeEqual(Buffer.from(current), Buffer.from(credential));
}

/** Tenants with (optionally) an adminToken each; the single-tenant deployment is `fixedTenants({ default: undefined })`. */
export function fixedTenants(adminTokens: Record<string, string | undefined>): ConsoleTenants {
  const ids = Object.keys(adminTokens).sort();
  for (const id of ids) if (!TENANT_ID.test(id)) throw new Error(`not a tenant id: ${JSON.stringify(id)}`);
  const tokens = Object.entries(adminTokens)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([tenant, token]) => ({ tenant, digest: digest(token) }));
  const credentials = new Map(
    Object.entries(adminTokens).flatMap(([tenant, token]) =>
      token === undefined ? [] : [[tenant, credentialFingerprint(token)] as const],
    ),
  );
  return {
    ids: () => [...ids],
    hasViewerTokens: () => tokens.length > 0,
    viewerCredential: (tenant) => credentials.get(tenant),
    viewerTokenOwner(token) {
      const presented = digest(token);
      let owner: string | undefined;
      // Every token is compared, so the time taken says nothing about which one matched.
      for (const t of tokens)
        if (timingSafeEqual(presented, t.digest) && owner === undefined) owner = t.tenant;
      return owner;
    },
  };
}

/**
 * The token sign-in: ADMIN_TOKEN makes an MSP operator, a tenant's adminToken that tenant's viewer, anything else
 * nobody. Constant-time over SHA-256 digests (equal lengths whatever was typed).
 */
export function principalForToken(
  token: string,
  adminToken: string | undefined,
  tenants: ConsoleTenants,
): Principal | undefined {
  const presented = digest(token);
  const isAdmin = adminToken !== undefined && timingSafeEqual(presented, digest(adminToken));
  const tenant = tenants.viewerTokenOwner(token);
  if (isAdmin) return { role: 'operator', name: 'admin token', via: 'token' };
  if (tenant !== undefined) return { role: 'viewer', tenant, name: `${tenant} admin token`, via: 'token' };
  return undefined;
}
