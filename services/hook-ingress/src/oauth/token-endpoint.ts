import type { Logger } from '@byot/observability';
import express, { type Request, type Response, type Router } from 'express';
import type { FailureThrottle } from '../auth/failure-throttle.ts';
import { issueAccessToken } from './access-tokens.ts';
import { ASYMMETRIC_JWS_ALGORITHMS } from './algorithms.ts';
import {
  type AuthorizationServer,
  type AuthorizationServers,
  jwksUriOf,
  TENANT_ID,
  tokenEndpointOf,
} from './authorization-server.ts';
import { authenticateClient, CLIENT_AUTH_METHODS, claimedClient } from './client-authentication.ts';
import type { ReplayGuard } from './replay-guard.ts';

export const OAUTH_BASE_PATH = '/oauth2/:tenant';
export const TOKEN_PATH = `${OAUTH_BASE_PATH}/v1/token`;
export const KEYS_PATH = `${OAUTH_BASE_PATH}/v1/keys`;
export const METADATA_PATH = `${OAUTH_BASE_PATH}/.well-known/oauth-authorization-server`;
/** RFC 8414 §3's form for an issuer with a path: the well-known segment goes before it. */
export const METADATA_PATH_RFC8414 = '/.well-known/oauth-authorization-server/oauth2/:tenant';

export interface TokenEndpointDeps {
  servers: AuthorizationServers;
  replay: ReplayGuard;
  throttle: FailureThrottle;
  log: Logger;
  now?: () => number;
}

type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable';

/** A scope-token (RFC 6749 §3.3): printable ASCII without space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Each tenant's OAuth 2.0 authorization server, for Okta's "OAuth 2.0" hook authentication: the client-credentials
 * token endpoint (RFC 6749 §4.4) with client_secret_post, client_secret_basic and private_key_jwt, its RFC 8414
 * metadata and its public JWKS. Answers are never cached (`Cache-Control: no-store`), errors are RFC 6749 §5.2's.
 * Okta fetches a token inside the same 3 s as the hook call: nothing here waits on anything slower than Redis.
 */
export function tokenEndpointRouter(deps: TokenEndpointDeps): Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;

  const serverOf = (req: Request, res: Response): AuthorizationServer | undefined => {
    const tenant = String(req.params.tenant ?? '');
    const server = TENANT_ID.test(tenant) ? deps.servers.forTenant(tenant) : undefined;
    if (!server)
      res.status(404).set('Cache-Control', 'no-store').json({ error: 'no authorization server here' });
    return server;
  };

  const metadata = (req: Request, res: Response) => {
    const server = serverOf(req, res);
    if (!server) return;
    res.set('Cache-Control', 'public, max-age=300').json({
      issuer: server.issuer,
      token_endpoint: tokenEndpointOf(server),
      jwks_uri: jwksUriOf(server),
      grant_types_supported: ['client_credentials'],
      // No authorization endpoint: nothing is ever issued to a browser.
      response_types_supported: [],
      token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: ASYMMETRIC_JWS_ALGORITHMS,
      scopes_supported: server.scopesSupported,
    });
  };
  router.get(METADATA_PATH, metadata);
  router.get(METADATA_PATH_RFC8414, metadata);

  router.get(KEYS_PATH, (req, res) => {
    const server = serverOf(req, res);
    if (!server) return;
    // Verifiers may cache it; a rotation publishes the new key before it signs (see signing-keys.ts).
    res
      .set('Cache-Control', 'public, max-age=300')
      .type('application/jwk-set+json')
      .json(server.signingKeys.publicJwks);
  });

  router.post(
    TOKEN_PATH,
    (req, res, next) => {
      if (!serverOf(req, res)) return;
      if (!req.is('application/x-www-form-urlencoded')) {
        oauthError(res, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
        return;
      }
      next();
    },
    express.urlencoded({ extended: false, limit: 16_384, parameterLimit: 32 }),
    tokenRequest(deps, now),
  );
  router.all([TOKEN_PATH], (_req, res) => {
    res.set('Allow', 'POST');
    oauthError(res, 405, 'invalid_request', 'use POST');
  });
  router.use([TOKEN_PATH], (error: unknown, _req: Request, res: Response, _next: () => void) => {
    const e = (error ?? {}) as { type?: string; status?: number };
    deps.log.warn({ type: e.type }, 'token request refused: unreadable body');
    oauthError(
      res,
      e.type === 'entity.too.large' ? 413 : 400,
      'invalid_request',
      'the body is not a readable form',
    );
  });
  return router;
}

/**
 * The token request itself, once the body is a form: the failure throttle, client authentication (RFC 6749 §2.3,
 * RFC 7523), the grant and its scopes, then the token.
 */
function tokenRequest(deps: TokenEndpointDeps, now: () => number) {
  return async (req: Request, res: Response) => {
    const server = deps.servers.forTenant(String(req.params.tenant)) as AuthorizationServer;
    const params = singleValued(req.body);
    if (!params) {
      oauthError(res, 400, 'invalid_request', 'a parameter is repeated or not a string');
      return;
    }
    const source = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const authorization = req.get('authorization');
    const claimed = claimedClient(params, authorization).clientId;
    const throttleKey = claimed === undefined ? undefined : `${server.tenantId}:${claimed}`;
    const logFields = { tenant: server.tenantId, clientId: claimed, ip: source };

    // Unreachable counters (Redis and its in-memory insurance both failing) must not stop Okta's token fetch.
    const decision = await deps.throttle
      .check(source, throttleKey)
      .catch(() => ({ blocked: false, clientFailures: 0 }) as const);
    if (decision.blocked) {
      deps.log.warn(
        { ...logFields, by: decision.by },
        'token request refused: too many failed client authentications',
      );
      res.set('Retry-After', String(decision.retryAfterSeconds));
      oauthError(res, 429, 'temporarily_unavailable', 'too many failed client authentications; retry later');
      return;
    }

    let auth: Awaited<ReturnType<typeof authenticateClient>>;
    try {
      auth = await authenticateClient(server, params, authorization, { replay: deps.replay, now });
    } catch (error) {
      // The jti memory (Redis) is unreachable: an assertion cannot be proven single-use, so none is accepted.
      deps.log.warn({ ...logFields, err: error }, 'token request failed: replay memory unavailable');
      res.set('Retry-After', '5');
      oauthError(res, 503, 'temporarily_unavailable', 'try again shortly');
      return;
    }
    if (!auth.ok) {
      if (auth.error === 'invalid_client')
        await deps.throttle.recordFailure(source, throttleKey).catch(() => {});
      deps.log.warn({ ...logFields, reason: auth.reason }, `token request refused: ${auth.error}`);
      if (auth.error === 'invalid_client' && auth.viaHeader) {
        res.set('WWW-Authenticate', 'Basic realm="byot", charset="UTF-8"');
      }
      oauthError(res, auth.error === 'invalid_client' ? 401 : 400, auth.error, auth.description);
      return;
    }
    if (throttleKey !== undefined && decision.clientFailures > 0)
      await deps.throttle.recordSuccess(throttleKey);
    const clientFields = { ...logFields, clientId: auth.client.clientId, method: auth.method };

    const scopes = grantedScopes(params, auth.client.scopes, res, (fields, msg) =>
      deps.log.warn({ ...clientFields, ...fields }, msg),
    );
    if (!scopes) return;

    const token = await issueAccessToken(server, auth.client, scopes, now());
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json({
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: token.expiresIn,
      scope: token.scope,
    });
    deps.log.info({ ...clientFields, scope: token.scope, expiresIn: token.expiresIn }, 'access token issued');
  };
}

/**
 * The scopes a client-credentials request is granted, or undefined once the refusal is answered: only the
 * client_credentials grant, well-formed scope tokens, and only scopes the client may ask for (all of them when
 * it names none).
 */
function grantedScopes(
  params: Record<string, string>,
  allowed: readonly string[],
  res: Response,
  warn: (fields: Record<string, unknown>, message: string) => void,
): string[] | undefined {
  if (params.grant_type === undefined) {
    warn({ reason: 'no-grant-type' }, 'token request refused: invalid_request');
    oauthError(res, 400, 'invalid_request', 'grant_type is required');
    return undefined;
  }
  if (params.grant_type !== 'client_credentials') {
    warn({ reason: 'grant-type' }, 'token request refused: unsupported_grant_type');
    oauthError(res, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    return undefined;
  }
  const requested = params.scope?.split(' ').filter(Boolean);
  if (requested?.some((s) => !SCOPE_TOKEN.test(s))) {
    oauthError(res, 400, 'invalid_scope', 'scope is malformed');
    return undefined;
  }
  const scopes = requested === undefined || requested.length === 0 ? [...allowed] : [...new Set(requested)];
  const unknown = scopes.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) {
    // Scope names are configuration, not secrets: the operator needs to see which one Okta asked for.
    warn({ scopes: unknown.slice(0, 5) }, 'token request refused: invalid_scope');
    oauthError(res, 400, 'invalid_scope', `this client may ask for: ${allowed.join(' ')}`);
    return undefined;
  }
  return scopes;
}

/** RFC 6749 §5.2: `{"error", "error_description"}`, never cached. */
export function oauthError(res: Response, status: number, error: OAuthErrorCode, description: string): void {
  res
    .status(status)
    .set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' })
    .json({ error, error_description: description });
}

/** Form parameters, each exactly once (RFC 6749 §3.2: "parameters MUST NOT be included more than once"). */
function singleValued(body: unknown): Record<string, string> | undefined {
  if (typeof body !== 'object' || body === null) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') return undefined;
    // "Parameters sent without a value MUST be treated as if they were omitted" (RFC 6749 §3.1).
    if (value !== '') out[name] = value;
  }
  return out;
}
