import { createHash } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import type { SigningKeys } from './signing-keys.ts';

/** A tenant id (PLAN: `[a-z0-9][a-z0-9-]{0,39}`); the single-org setup is the tenant `default`. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const DEFAULT_TENANT = 'default';

/** The scope byot's tokens carry (and the only one a client may ask for): calling the telephony hook. */
export const TELEPHONY_HOOK_SCOPE = 'byot.telephony';

/** One OAuth client of a tenant's authorization server: Okta's hook, as registered with byot. */
export interface OAuthClient {
  clientId: string;
  /** SHA-256 of the client secret (client_secret_post / client_secret_basic); absent: those methods are refused. */
  secretDigest?: Buffer;
  /** The client's public keys for private_key_jwt (Okta's hook key); absent: assertions are refused. */
  jwks?: JSONWebKeySet;
  /** Scopes it may be granted; asking for none grants them all. */
  scopes: readonly string[];
}

/**
 * One tenant's authorization server: what its token endpoint, metadata and JWKS serve and what the hook then
 * accepts from it. Issue 13 (tenancy) supplies one per tenant; the environment supplies `default`.
 */
export interface AuthorizationServer {
  tenantId: string;
  /** `${PUBLIC_BASE_URL}/oauth2/{tenantId}`: the `iss` of its tokens, never derived from a request's Host. */
  issuer: string;
  /** The `aud` of its tokens: the hook they are good for. */
  audience: string;
  /** Access token lifetime (OAUTH_TOKEN_TTL_SECONDS). */
  tokenTtlSeconds: number;
  signingKeys: SigningKeys;
  /** Published in the metadata: every scope some client of this server may be granted. */
  scopesSupported: readonly string[];
  client(clientId: string): OAuthClient | undefined;
}

/** Every tenant's authorization server, looked up per request. Unknown tenant or none configured: undefined. */
export interface AuthorizationServers {
  forTenant(tenantId: string): AuthorizationServer | undefined;
}

export const tokenEndpointOf = (server: Pick<AuthorizationServer, 'issuer'>): string =>
  `${server.issuer}/v1/token`;
export const jwksUriOf = (server: Pick<AuthorizationServer, 'issuer'>): string => `${server.issuer}/v1/keys`;
export const issuerFor = (publicBaseUrl: string, tenantId: string): string =>
  `${publicBaseUrl.replace(/\/+$/, '')}/oauth2/${tenantId}`;

export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** A fixed set of servers by tenant id (the environment's `default`, or whatever issue 13 loads). */
export class StaticAuthorizationServers implements AuthorizationServers {
  readonly #byTenant: ReadonlyMap<string, AuthorizationServer>;
  constructor(servers: readonly AuthorizationServer[]) {
    this.#byTenant = new Map(servers.map((s) => [s.tenantId, s]));
  }
  forTenant(tenantId: string): AuthorizationServer | undefined {
    return this.#byTenant.get(tenantId);
  }
}

/** An authorization server over a list of clients. */
export function authorizationServer(settings: {
  tenantId: string;
  publicBaseUrl: string;
  audience: string;
  tokenTtlSeconds: number;
  signingKeys: SigningKeys;
  clients: readonly OAuthClient[];
}): AuthorizationServer {
  if (!TENANT_ID.test(settings.tenantId)) throw new Error(`not a tenant id: ${settings.tenantId}`);
  const clients = new Map(settings.clients.map((c) => [c.clientId, c]));
  return {
    tenantId: settings.tenantId,
    issuer: issuerFor(settings.publicBaseUrl, settings.tenantId),
    audience: settings.audience,
    tokenTtlSeconds: settings.tokenTtlSeconds,
    signingKeys: settings.signingKeys,
    scopesSupported: [...new Set(settings.clients.flatMap((c) => c.scopes))],
    client: (clientId) => clients.get(clientId),
  };
}
