import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { escapeHtml, PAGE_HEADERS, PAGE_STYLE } from '../lib/html.ts';
import { randomBase62 } from '../lib/ids.ts';
import { randomToken, secretEquals } from '../lib/secrets.ts';
import type { Org } from '../org/org.ts';
import type { User } from '../org/types.ts';
import type { OidcClient } from './clients.ts';

/** Okta's custom authorization server "default", as the sandbox's "Sign in with Okta" uses it. */
export const OIDC_SERVER_ID = 'default';
export const OIDC_AUDIENCE = 'api://default';
const SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;
const CODE_TTL_MS = 60_000;
const LOGIN_TTL_MS = 10 * 60_000;
const TOKEN_TTL_SECONDS = 3600;

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  scope: string[];
  state: string;
  nonce?: string;
  codeChallenge: string;
}

interface IssuedCode extends AuthorizeParams {
  userId: string;
  authTime: number;
  expiresAt: number;
}

export interface OidcProviderOptions {
  org: Org;
  clients: readonly OidcClient[];
  /** The issuer, e.g. http://127.0.0.1:4020/oauth2/default (known once the server listens). */
  issuer: () => string;
  now?: () => number;
}

export interface OidcProvider {
  /** Mount at /oauth2/default. */
  router: Router;
  clients: readonly OidcClient[];
  /** The public signing keys (JWKS), as GET /oauth2/default/v1/keys serves them. */
  jwks(): { keys: Record<string, unknown>[] };
}

/**
 * An OpenID Connect provider shaped after an Okta custom authorization server: discovery, authorize (a sandbox
 * login page: pick a user of the simulated org), token (authorization code + PKCE S256; client_secret_basic or
 * client_secret_post), keys, userinfo, logout. ID tokens carry the user's group names in `groups`.
 */
export function createOidcProvider(options: OidcProviderOptions): OidcProvider {
  const now = options.now ?? Date.now;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBase62(43);
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const logins = new Map<string, AuthorizeParams & { expiresAt: number }>();
  const codes = new Map<string, IssuedCode>();
  const client = (id: unknown): OidcClient | undefined =>
    typeof id === 'string' ? options.clients.find((c) => c.clientId === id) : undefined;

  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  router.get('/.well-known/openid-configuration', (_req, res) => {
    const issuer = options.issuer();
    res.json({
      issuer,
      authorization_endpoint: `${issuer}/v1/authorize`,
      token_endpoint: `${issuer}/v1/token`,
      userinfo_endpoint: `${issuer}/v1/userinfo`,
      jwks_uri: `${issuer}/v1/keys`,
      end_session_endpoint: `${issuer}/v1/logout`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: SCOPES,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'iat',
        'exp',
        'auth_time',
        'nonce',
        'name',
        'preferred_username',
        'given_name',
        'family_name',
        'email',
        'email_verified',
        'groups',
      ],
    });
  });

  router.get('/v1/keys', (_req, res) => {
    res.setHeader('cache-control', 'max-age=300');
    res.json({ keys: [publicJwk] });
  });

  router.get('/v1/authorize', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const found = client(query.client_id);
    // Errors about the client or its redirect URI are shown, never redirected (RFC 6749 §4.1.2.1).
    if (!found) return page(res, 400, 'Sign-in failed', '<p class="bad">Unknown client_id.</p>');
    const redirectUri = typeof query.redirect_uri === 'string' ? query.redirect_uri : '';
    if (!found.redirectUris.includes(redirectUri)) {
      return page(
        res,
        400,
        'Sign-in failed',
        '<p class="bad">redirect_uri is not registered for this client.</p>',
      );
    }
    const state = typeof query.state === 'string' ? query.state : '';
    const fail = (error: string, description: string): void =>
      redirect(res, redirectUri, { error, error_description: description, state });
    if (query.response_type !== 'code')
      return fail('unsupported_response_type', 'response_type must be code');
    const scope = typeof query.scope === 'string' ? query.scope.split(' ').filter(Boolean) : [];
    if (!scope.includes('openid')) return fail('invalid_scope', 'scope must include openid');
    const unknown = scope.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) return fail('invalid_scope', `unknown scope: ${unknown.join(' ')}`);
    if (state === '') return fail('invalid_request', 'state is required');
    if (query.code_challenge_method !== 'S256' || typeof query.code_challenge !== 'string') {
      return fail('invalid_request', 'PKCE is required: code_challenge with code_challenge_method S256');
    }
    if (!/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge)) {
      return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');
    }
    const transaction = randomToken(18);
    logins.set(transaction, {
      clientId: found.clientId,
      redirectUri,
      scope,
      state,
      ...(typeof query.nonce === 'string' && query.nonce !== '' ? { nonce: query.nonce } : {}),
      codeChallenge: query.code_challenge,
      expiresAt: now() + LOGIN_TTL_MS,
    });
    prune(logins, now());
    const rows = [...options.org.users.values()]
      .filter((u) => u.status === 'ACTIVE')
      .map((u) => {
        const groups = options.org
          .groupsOf(u.id)
          .filter((g) => g.type !== 'BUILT_IN')
          .map((g) => escapeHtml(g.profile.name));
        return `<tr><td>${escapeHtml(`${u.profile.firstName} ${u.profile.lastName}`)}</td><td><code>${escapeHtml(u.profile.login)}</code></td><td>${groups.join(', ') || '<span class="muted">no groups</span>'}</td><td><form method="post" action="${escapeHtml(`${options.issuer()}/v1/authorize/login`)}"><input type="hidden" name="transaction" value="${transaction}"><input type="hidden" name="login" value="${escapeHtml(u.profile.login)}"><button type="submit" data-login="${escapeHtml(u.profile.login)}">Sign in as ${escapeHtml(u.profile.firstName)}</button></form></td></tr>`;
      });
    page(
      res,
      200,
      'Sign in — Okta simulator',
      `<p>The sandbox's Okta org. <span class="muted">${escapeHtml(found.clientId)} asks for: ${escapeHtml(scope.join(' '))}</span></p>
<table><tr><th>Name</th><th>Login</th><th>Groups</th><th></th></tr>${rows.join('')}</table>`,
    );
  });

  router.post('/v1/authorize/login', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const pending = typeof body.transaction === 'string' ? logins.get(body.transaction) : undefined;
    if (!pending || pending.expiresAt < now()) {
      return page(res, 400, 'Sign-in failed', '<p class="bad">This sign-in expired: start again.</p>');
    }
    logins.delete(body.transaction as string);
    const user = typeof body.login === 'string' ? options.org.findUser(body.login) : undefined;
    if (user?.status !== 'ACTIVE') {
      return page(res, 400, 'Sign-in failed', '<p class="bad">No such active user.</p>');
    }
    const code = randomToken(32);
    prune(codes, now());
    codes.set(code, {
      ...pending,
      userId: user.id,
      authTime: Math.floor(now() / 1000),
      expiresAt: now() + CODE_TTL_MS,
    });
    redirect(res, pending.redirectUri, { code, state: pending.state });
  });

  router.post('/v1/token', async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('pragma', 'no-cache');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const authenticated = authenticateClient(req, body);
    if ('error' in authenticated) {
      if (authenticated.basic) res.setHeader('www-authenticate', 'Basic realm="okta-sim"');
      return tokenError(res, 401, 'invalid_client', authenticated.error);
    }
    const found = authenticated.client;
    if (body.grant_type !== 'authorization_code') {
      return tokenError(res, 400, 'unsupported_grant_type', 'grant_type must be authorization_code');
    }
    const code = typeof body.code === 'string' ? body.code : '';
    const issued = codes.get(code);
    codes.delete(code); // single use, whatever happens next
    if (!issued || issued.expiresAt < now() || issued.clientId !== found.clientId) {
      return tokenError(res, 400, 'invalid_grant', 'the authorization code is invalid, expired or used');
    }
    if (body.redirect_uri !== issued.redirectUri) {
      return tokenError(res, 400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    }
    const verifier = typeof body.code_verifier === 'string' ? body.code_verifier : '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
      return tokenError(res, 400, 'invalid_request', 'code_verifier is missing or malformed');
    }
    if (createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge) {
      return tokenError(res, 400, 'invalid_grant', 'PKCE verification failed');
    }
    const user = options.org.users.get(issued.userId);
    if (user?.status !== 'ACTIVE') return tokenError(res, 400, 'invalid_grant', 'the user is not active');
    const accessToken = await sign(privateKey, kid, options.issuer(), OIDC_AUDIENCE, now(), {
      sub: user.profile.login,
      uid: user.id,
      cid: found.clientId,
      scp: issued.scope,
    });
    const idToken = await sign(privateKey, kid, options.issuer(), found.clientId, now(), {
      sub: user.id,
      auth_time: issued.authTime,
      amr: ['pwd'],
      ...(issued.nonce ? { nonce: issued.nonce } : {}),
      ...claimsOf(options.org, user, issued.scope),
      groups: groupNames(options.org, user),
    });
    res.json({
      token_type: 'Bearer',
      expires_in: TOKEN_TTL_SECONDS,
      access_token: accessToken,
      id_token: idToken,
      scope: issued.scope.join(' '),
    });
  });

  const userinfo = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('cache-control', 'no-store');
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header);
    const invalid = (): void => {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      res.status(401).json({ error: 'invalid_token', error_description: 'The access token is invalid.' });
    };
    if (!match?.[1]) return invalid();
    try {
      const { payload } = await jwtVerify(match[1], publicKey, {
        issuer: options.issuer(),
        audience: OIDC_AUDIENCE,
        algorithms: ['RS256'],
        currentDate: new Date(now()),
      });
      const user = typeof payload.uid === 'string' ? options.org.users.get(payload.uid) : undefined;
      if (user?.status !== 'ACTIVE') return invalid();
      const scope = Array.isArray(payload.scp) ? (payload.scp as string[]) : [];
      res.json({
        sub: user.id,
        ...claimsOf(options.org, user, scope),
        ...(scope.includes('groups') ? { groups: groupNames(options.org, user) } : {}),
      });
    } catch {
      invalid();
    }
  };
  router.get('/v1/userinfo', userinfo);
  router.post('/v1/userinfo', userinfo);

  router.get('/v1/logout', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const target = typeof query.post_logout_redirect_uri === 'string' ? query.post_logout_redirect_uri : '';
    if (target !== '' && options.clients.some((c) => c.postLogoutRedirectUris.includes(target))) {
      return redirect(res, target, typeof query.state === 'string' ? { state: query.state } : {});
    }
    page(res, 200, 'Signed out', '<p>You are signed out of the Okta simulator.</p>');
  });

  function authenticateClient(
    req: Request,
    body: Record<string, unknown>,
  ): { client: OidcClient } | { error: string; basic: boolean } {
    const header = req.get('authorization');
    let id: string | undefined;
    let secret: string | undefined;
    if (header !== undefined) {
      const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
      const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon < 0) return { error: 'malformed Basic credentials', basic: true };
      // RFC 6749 §2.3.1: both halves are form-urlencoded before Base64.
      try {
        id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
        secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
      } catch {
        return { error: 'malformed Basic credentials', basic: true };
      }
      if (body.client_secret !== undefined) {
        return { error: 'use one client authentication method, not two', basic: true };
      }
    } else {
      id = typeof body.client_id === 'string' ? body.client_id : undefined;
      secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
    }
    const found = client(id);
    if (!found || secret === undefined || !secretEquals(secret, found.clientSecret)) {
      return { error: 'client authentication failed', basic: header !== undefined };
    }
    return { client: found };
  }

  return { router, clients: options.clients, jwks: () => ({ keys: [publicJwk] }) };
}

function groupNames(org: Org, user: User): string[] {
  return org.groupsOf(user.id).map((g) => g.profile.name);
}

function claimsOf(_org: Org, user: User, scope: readonly string[]): Record<string, unknown> {
  return {
    ...(scope.includes('profile')
      ? {
          name: `${user.profile.firstName} ${user.profile.lastName}`,
          preferred_username: user.profile.login,
          given_name: user.profile.firstName,
          family_name: user.profile.lastName,
        }
      : {}),
    ...(scope.includes('email') ? { email: user.profile.email, email_verified: true } : {}),
  };
}

async function sign(
  key: KeyObject,
  kid: string,
  issuer: string,
  audience: string,
  nowMs: number,
  claims: Record<string, unknown>,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_TTL_SECONDS)
    .setJti(`ID.${randomBase62(40)}`)
    .sign(key);
}

function tokenError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

function redirect(res: Response, target: string, params: Record<string, string>): void {
  const url = new URL(target);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  res.redirect(302, url.toString());
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .set(PAGE_HEADERS)
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

function prune<T extends { expiresAt: number }>(map: Map<string, T>, nowMs: number): void {
  for (const [key, value] of map) if (value.expiresAt < nowMs) map.delete(key);
}
