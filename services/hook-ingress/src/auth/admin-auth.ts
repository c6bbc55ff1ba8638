import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '@byot/observability';
import type { RequestHandler } from 'express';
import type { FailureThrottle } from './failure-throttle.ts';
import { digest } from './hook-authenticator.ts';

export interface AdminAuthOptions {
  realm?: string;
  /** Failed attempts per source address (and in all) are throttled like failed OAuth clients. */
  throttle?: FailureThrottle;
  log?: Logger;
}

/** The throttle's "client": every failure counts against the one admin credential too. */
const ADMIN_CLIENT = 'admin-token';

/**
 * The operators' credential (ADMIN_TOKEN) for the delivery lookup and the queue dashboard: `Authorization:
 * Bearer <token>` for tools, or HTTP Basic with the token as the password so a browser can log in. The header is
 * parsed strictly (one scheme, one credential, nothing after it) and compared in constant time over SHA-256
 * digests. A refusal says only that the credential is missing or wrong; repeated failures are throttled.
 */
export function adminAuth(token: string | AdminPrincipals, options: AdminAuthOptions = {}): RequestHandler {
  const principals = typeof token === 'string' ? singleAdmin(token) : token;
  const realm = options.realm ?? 'byot admin';
  const refuse = (res: Parameters<RequestHandler>[1], status: number, error: string) => {
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).json({ error });
  };
  return async (req, res, next) => {
    const source = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const presented = presentedAdminSecret(req.headers.authorization);
    if (presented === undefined && req.headers.authorization === undefined) {
      refuse(res, 401, 'admin credential required');
      return;
    }
    let clientFailures = 0;
    if (options.throttle) {
      const decision = await options.throttle
        .check(source, ADMIN_CLIENT)
        .catch(() => ({ blocked: false, clientFailures: 0 }) as const);
      if (decision.blocked) {
        options.log?.warn(
          { ip: source, by: decision.by, path: req.path },
          'admin request refused: too many failed attempts',
        );
        res.setHeader('Retry-After', String(decision.retryAfterSeconds));
        refuse(res, 429, 'too many failed attempts; retry later');
        return;
      }
      clientFailures = decision.clientFailures;
    }
    const principal = presented === undefined ? undefined : principals.resolve(presented);
    if (principal !== undefined) {
      if (options.throttle && clientFailures > 0) await options.throttle.recordSuccess(ADMIN_CLIENT);
      res.locals.adminPrincipal = principal;
      next();
      return;
    }
    await options.throttle?.recordFailure(source, ADMIN_CLIENT).catch(() => {});
    options.log?.warn({ ip: source, path: req.path }, 'admin request refused: wrong credential');
    refuse(res, 401, 'admin credential refused');
  };
}

/**
 * Who an admin credential is: the MSP's own staff (ADMIN_TOKEN: every tenant) or one tenant's (its `adminToken`
 * from the tenants file: that tenant only).
 */
export type AdminPrincipal = { kind: 'msp' } | { kind: 'tenant'; tenant: string };

export interface AdminPrincipals {
  /** The principal a presented secret proves, or undefined (compared in constant time). */
  resolve(presented: string): AdminPrincipal | undefined;
}

/** Whether a principal may see a tenant's data. */
export function maySee(principal: AdminPrincipal | undefined, tenant: string): boolean {
  return principal !== undefined && (principal.kind === 'msp' || principal.tenant === tenant);
}

/** The single-org setup: ADMIN_TOKEN only. */
export function singleAdmin(token: string): AdminPrincipals {
  const expected = digest(token);
  return {
    resolve: (presented) => (timingSafeEqual(digest(presented), expected) ? { kind: 'msp' } : undefined),
  };
}

/**
 * ADMIN_TOKEN (optional) and every tenant's `adminToken`. Every candidate is compared (constant time each), so
 * the time taken does not tell which tenant a credential is close to. The file's isolation checks keep every
 * admin token distinct and different from ADMIN_TOKEN.
 */
export function tenantAdmins(
  mspToken: string | undefined,
  tenants: () => ReadonlyArray<{ id: string; adminToken?: string }>,
): AdminPrincipals {
  const msp = mspToken === undefined ? undefined : digest(mspToken);
  return {
    resolve: (presented) => {
      const given = digest(presented);
      let found: AdminPrincipal | undefined;
      if (msp && timingSafeEqual(given, msp)) found = { kind: 'msp' };
      for (const tenant of tenants()) {
        if (tenant.adminToken === undefined) continue;
        if (timingSafeEqual(given, digest(tenant.adminToken)) && !found)
          found = { kind: 'tenant', tenant: tenant.id };
      }
      return found;
    },
  };
}

/** One credential of visible ASCII (ADMIN_TOKEN may be any such string), nothing after it. */
const BEARER = /^Bearer ([\x21-\x7e]+)$/i;
const BASIC = /^Basic ([A-Za-z0-9+/]+={0,2})$/i;

/**
 * The secret in `Authorization: Bearer <token>` or `Basic base64(user:token)`, or undefined when the header is
 * anything else — `Bearer <token> anything` included: a credential followed by more text is not that credential.
 */
export function presentedAdminSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = BEARER.exec(header)?.[1];
  if (bearer !== undefined) return bearer;
  const basic = BASIC.exec(header)?.[1];
  if (basic === undefined) return undefined;
  const bytes = Buffer.from(basic, 'base64');
  // Node decodes base64 leniently (stray characters are skipped): only the canonical encoding is this credential.
  if (bytes.toString('base64') !== basic) return undefined;
  const decoded = bytes.toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}
