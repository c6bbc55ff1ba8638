import type { Logger } from '@byot/observability';
import type { Redis } from 'ioredis';
import { createLocalJWKSet } from 'jose';
import { DEFAULT_FAILURE_LIMITS, FailureThrottle } from '../auth/failure-throttle.ts';
import type { IngressConfig } from '../config.ts';
import { AccessTokenVerifier, type TrustedIssuer } from './access-token-verifier.ts';
import { ACCESS_TOKEN_TYP } from './access-tokens.ts';
import {
  type AuthorizationServer,
  authorizationServer,
  DEFAULT_TENANT,
  StaticAuthorizationServers,
  secretDigest,
  TELEPHONY_HOOK_SCOPE,
} from './authorization-server.ts';
import { RemoteKeySet } from './remote-key-set.ts';
import { RedisReplayGuard } from './replay-guard.ts';
import { loadSigningKeys } from './signing-keys.ts';
import type { TokenEndpointDeps } from './token-endpoint.ts';

export interface HookOAuth {
  /** byot's authorization servers (the token endpoint), when a client is configured. */
  tokenEndpoint?: TokenEndpointDeps;
  /** Verifies bearer tokens on the hook, when OKTA_HOOK_AUTH includes oauth. */
  verifier?: AccessTokenVerifier;
  /** External issuers' keys: started here, stopped at shutdown, /readyz waits for them. */
  remoteKeySets: RemoteKeySet[];
}

/** The tokens byot's own server issues are for this: the hook (at the tenant's public URL). */
export function trustedIssuerOf(server: AuthorizationServer): TrustedIssuer {
  return {
    issuer: server.issuer,
    audience: server.audience,
    requiredScopes: [TELEPHONY_HOOK_SCOPE],
    typ: ACCESS_TOKEN_TYP,
    maxTokenAgeSeconds: server.tokenTtlSeconds,
    getKey: createLocalJWKSet(server.signingKeys.publicJwks),
  };
}

/**
 * The environment's (tenant `default`) OAuth setup: byot's authorization server over the one configured client,
 * and/or the external issuer. Issue 13 builds the same parts per tenant from its tenants file.
 */
export async function hookOAuthFromConfig(
  config: IngressConfig,
  deps: { redis: Redis; keyPrefix: string; hookPath: string; log: Logger },
): Promise<HookOAuth> {
  const remoteKeySets: RemoteKeySet[] = [];
  const issuers: TrustedIssuer[] = [];
  let tokenEndpoint: TokenEndpointDeps | undefined;

  if (config.OKTA_HOOK_OAUTH_CLIENT_ID !== undefined && config.OAUTH_SIGNING_KEY && config.PUBLIC_BASE_URL) {
    const server = authorizationServer({
      tenantId: DEFAULT_TENANT,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      audience: `${config.PUBLIC_BASE_URL}${deps.hookPath}`,
      tokenTtlSeconds: config.OAUTH_TOKEN_TTL_SECONDS,
      signingKeys: await loadSigningKeys(config.OAUTH_SIGNING_KEY),
      clients: [
        {
          clientId: config.OKTA_HOOK_OAUTH_CLIENT_ID,
          ...(config.OKTA_HOOK_OAUTH_CLIENT_SECRET === undefined
            ? {}
            : { secretDigest: secretDigest(config.OKTA_HOOK_OAUTH_CLIENT_SECRET) }),
          ...(config.OKTA_HOOK_OAUTH_CLIENT_JWKS === undefined
            ? {}
            : { jwks: config.OKTA_HOOK_OAUTH_CLIENT_JWKS }),
          scopes: [TELEPHONY_HOOK_SCOPE],
        },
      ],
    });
    tokenEndpoint = {
      servers: new StaticAuthorizationServers([server]),
      replay: new RedisReplayGuard(deps.redis, deps.keyPrefix),
      throttle: new FailureThrottle({
        redis: deps.redis,
        keyPrefix: `${deps.keyPrefix}:throttle:oauth`,
        ...DEFAULT_FAILURE_LIMITS,
      }),
      log: deps.log,
    };
    issuers.push(trustedIssuerOf(server));
  }

  if (config.OKTA_HOOK_OAUTH_ISSUER !== undefined && config.OKTA_HOOK_OAUTH_AUDIENCE !== undefined) {
    const keys = new RemoteKeySet({
      issuer: config.OKTA_HOOK_OAUTH_ISSUER,
      ...(config.OKTA_HOOK_OAUTH_JWKS_URI === undefined ? {} : { jwksUri: config.OKTA_HOOK_OAUTH_JWKS_URI }),
      log: deps.log,
    });
    remoteKeySets.push(keys);
    issuers.push({
      issuer: config.OKTA_HOOK_OAUTH_ISSUER,
      audience: config.OKTA_HOOK_OAUTH_AUDIENCE,
      requiredScopes: config.OKTA_HOOK_OAUTH_SCOPES ?? [],
      ...(config.OKTA_HOOK_OAUTH_REQUIRED_CID === undefined
        ? {}
        : { requiredClientId: config.OKTA_HOOK_OAUTH_REQUIRED_CID }),
      maxTokenAgeSeconds: config.OKTA_HOOK_OAUTH_MAX_TOKEN_AGE_SECONDS,
      getKey: keys.getKey,
    });
  }

  return {
    ...(tokenEndpoint ? { tokenEndpoint } : {}),
    ...(config.OKTA_HOOK_AUTH.includes('oauth') && issuers.length > 0
      ? { verifier: new AccessTokenVerifier(issuers) }
      : {}),
    remoteKeySets,
  };
}
