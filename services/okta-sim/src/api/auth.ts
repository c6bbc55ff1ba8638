import { createPublicKey, type KeyObject } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { createLocalJWKSet, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { ServiceAppConfig } from '../config.ts';
import { accessDenied, invalidToken, sendOktaError } from '../lib/okta-error.ts';
import { randomToken, secretEquals } from '../lib/secrets.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_TTL_SECONDS = 3600;

interface IssuedToken {
  clientId: string;
  scopes: Set<string>;
  expiresAt: number;
}

/** What a request to the Management API is allowed to do: everything (an API token) or its scopes. */
export type Caller = { kind: 'api-token' } | { kind: 'service-app'; clientId: string; scopes: Set<string> };

/**
 * The Management API's two ways in, as Okta has them: `Authorization: SSWS <API token>` (an admin's token: every
 * scope), or an OAuth 2.0 service app — client credentials with a `private_key_jwt` assertion at the org
 * authorization server (`POST /oauth2/v1/token`), then `Authorization: Bearer <token>` limited to the granted
 * `okta.*` scopes. The official SDK also sends a DPoP proof; like an app that does not require DPoP, it is ignored.
 */
export class ManagementAuth {
  readonly #apiToken: string;
  readonly #apps = new Map<string, { config: ServiceAppConfig; keys: JWTVerifyGetKey | KeyObject }>();
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #usedAssertions = new Map<string, number>();
  readonly #orgUrl: () => string;
  readonly #now: () => number;

  constructor(options: {
    apiToken: string;
    serviceApps: readonly ServiceAppConfig[];
    orgUrl: () => string;
    now?: () => number;
  }) {
    this.#apiToken = options.apiToken;
    this.#orgUrl = options.orgUrl;
    this.#now = options.now ?? Date.now;
    for (const app of options.serviceApps) this.registerServiceApp(app);
  }

  registerServiceApp(app: ServiceAppConfig): void {
    const keys =
      typeof app.keys === 'string'
        ? createPublicKey(app.keys)
        : createLocalJWKSet(app.keys as Parameters<typeof createLocalJWKSet>[0]);
    this.#apps.set(app.clientId, { config: app, keys });
  }

  /** `POST /oauth2/v1/token`: client_credentials for service apps. RFC 6749 errors, as Okta's org AS answers. */
  tokenRouter(): Router {
    const router = Router();
    router.post(
      '/oauth2/v1/token',
      express.urlencoded({ extended: false, limit: '16kb' }),
      async (req, res) => {
        res.setHeader('cache-control', 'no-store');
        const body = (req.body ?? {}) as Record<string, unknown>;
        const fail = (status: number, error: string, description: string): void => {
          res.status(status).json({ error, error_description: description });
        };
        if (body.grant_type !== 'client_credentials') {
          return fail(400, 'unsupported_grant_type', 'The authorization grant type is not supported.');
        }
        if (body.client_assertion_type !== ASSERTION_TYPE || typeof body.client_assertion !== 'string') {
          return fail(
            401,
            'invalid_client',
            'Service apps authenticate with a private_key_jwt client assertion.',
          );
        }
        const clientId =
          typeof body.client_id === 'string' ? body.client_id : unverifiedIssuer(body.client_assertion);
        const app = clientId ? this.#apps.get(clientId) : undefined;
        if (!app) return fail(401, 'invalid_client', 'Invalid value for client_id parameter.');
        let jti: string;
        try {
          const { payload } = await jwtVerify(body.client_assertion, app.keys as JWTVerifyGetKey, {
            issuer: app.config.clientId,
            subject: app.config.clientId,
            audience: `${this.#orgUrl()}/oauth2/v1/token`,
            algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'],
            currentDate: new Date(this.#now()),
            clockTolerance: 30,
            requiredClaims: ['exp', 'jti'],
          });
          jti = String(payload.jti);
          if ((payload.exp ?? 0) - Math.floor(this.#now() / 1000) > 3600) {
            return fail(
              401,
              'invalid_client',
              'The client_assertion token has an expiration too far in the future.',
            );
          }
        } catch (error) {
          return fail(
            401,
            'invalid_client',
            `The client_assertion signature or claims are invalid (${(error as Error).name}).`,
          );
        }
        this.#forgetOldAssertions();
        if (this.#usedAssertions.has(`${app.config.clientId}:${jti}`)) {
          return fail(401, 'invalid_client', 'The client_assertion token has already been used.');
        }
        this.#usedAssertions.set(`${app.config.clientId}:${jti}`, this.#now() + 3_600_000);
        const requested = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [];
        const unknown = requested.filter((s) => !app.config.scopes.includes(s));
        if (requested.length === 0 || unknown.length > 0) {
          return fail(
            400,
            'invalid_scope',
            `The following scopes are not granted to the client: ${unknown.join(' ') || '(none asked)'}`,
          );
        }
        const accessToken = randomToken(32);
        this.#tokens.set(accessToken, {
          clientId: app.config.clientId,
          scopes: new Set(requested),
          expiresAt: this.#now() + TOKEN_TTL_SECONDS * 1000,
        });
        res.json({
          token_type: 'Bearer',
          expires_in: TOKEN_TTL_SECONDS,
          access_token: accessToken,
          scope: requested.join(' '),
        });
      },
    );
    return router;
  }

  /** Authenticates every /api/v1 call; the caller lands in res.locals.caller. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const header = req.get('authorization') ?? '';
      const [scheme, credential, extra] = header.split(' ');
      if (extra === undefined && credential) {
        if (scheme === 'SSWS' && secretEquals(credential, this.#apiToken)) {
          res.locals.caller = { kind: 'api-token' } satisfies Caller;
          next();
          return;
        }
        if (scheme === 'Bearer' || scheme === 'DPoP') {
          const token = this.#tokens.get(credential);
          if (token && token.expiresAt > this.#now()) {
            res.locals.caller = {
              kind: 'service-app',
              clientId: token.clientId,
              scopes: token.scopes,
            } satisfies Caller;
            next();
            return;
          }
        }
      }
      sendOktaError(res, invalidToken());
    };
  }

  #forgetOldAssertions(): void {
    const nowMs = this.#now();
    for (const [key, until] of this.#usedAssertions) if (until < nowMs) this.#usedAssertions.delete(key);
  }
}

/**
 * Scope guard: `okta.<resource>.manage` for changes; `.read` or `.manage` for reads. An API token passes every
 * guard (it acts as the admin who made it). Missing scope: 403 E0000006, as Okta answers.
 */
export function requireScope(resource: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const caller = res.locals.caller as Caller | undefined;
    if (!caller) {
      sendOktaError(res, invalidToken());
      return;
    }
    if (caller.kind === 'api-token') {
      next();
      return;
    }
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    const ok =
      caller.scopes.has(`okta.${resource}.manage`) || (!write && caller.scopes.has(`okta.${resource}.read`));
    if (ok) {
      next();
      return;
    }
    res.setHeader(
      'www-authenticate',
      `Bearer error="insufficient_scope", scope="okta.${resource}.${write ? 'manage' : 'read'}"`,
    );
    sendOktaError(res, accessDenied());
  };
}

function unverifiedIssuer(assertion: string): string | undefined {
  try {
    decodeProtectedHeader(assertion);
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      iss?: unknown;
    };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
