import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';

/**
 * Cookies and request checks of the console. Cookies are HttpOnly and SameSite=Lax always, and Secure with the
 * `__Host-` prefix (host-only, Path=/, never set over plain HTTP) unless the console is reached on loopback — the
 * sandbox over plain HTTP, or an SSH tunnel. Lax, not Strict: the OIDC callback and a link from a ticket arrive as
 * cross-site top-level navigations and must find the session; nothing that changes anything is a GET.
 */
export const COOKIE = { session: 'byot-console', oidc: 'byot-console-oidc' } as const;
type CookieName = (typeof COOKIE)[keyof typeof COOKIE];

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

export interface CookiePolicy {
  /** The console's public URL (CONSOLE_PUBLIC_URL), when set: its host decides, not the request's. */
  publicUrl: URL | undefined;
}

export function cookiesAreSecure(req: Request, policy: CookiePolicy): boolean {
  return !isLoopbackHost(policy.publicUrl?.hostname ?? req.hostname ?? '');
}

const nameFor = (name: CookieName, secure: boolean) => (secure ? `__Host-${name}` : name);

export function readCookie(req: Request, policy: CookiePolicy, name: CookieName): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parseCookie(header)[nameFor(name, cookiesAreSecure(req, policy))];
}

export function setCookie(
  req: Request,
  res: Response,
  policy: CookiePolicy,
  name: CookieName,
  value: string,
  maxAgeMs: number,
): void {
  const secure = cookiesAreSecure(req, policy);
  res.cookie(nameFor(name, secure), value, {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: '/',
    maxAge: maxAgeMs,
  });
}

export function clearCookie(req: Request, res: Response, policy: CookiePolicy, name: CookieName): void {
  const secure = cookiesAreSecure(req, policy);
  res.clearCookie(nameFor(name, secure), { httpOnly: true, secure, sameSite: 'lax', path: '/' });
}

/**
 * False when the browser says the request comes from another site. `Sec-Fetch-Site` (set by the browser, which
 * no page can forge) decides when present: same-origin, or "none" for a person typing the URL. Older browsers
 * send only `Origin`, whose host must be this one. A request with neither comes from something that is not a
 * browser (curl, a script), which a cross-site forgery cannot be.
 */
export function isSameOrigin(req: Request, policy: CookiePolicy): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.get('origin');
  if (origin === undefined) return true;
  try {
    const expected = policy.publicUrl?.host ?? req.get('host');
    return origin !== 'null' && new URL(origin).host === expected;
  } catch {
    return false;
  }
}

/** A local path inside the console to return to after signing in; anything else (another host, `//x`) is dropped. */
export function safeReturnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  if (!/^\/console(\/[A-Za-z0-9/_.~-]*)?(\?[A-Za-z0-9%&=+._~:-]*)?$/.test(value)) return undefined;
  const path = value.split('?', 1)[0] as string;
  if (path.split('/').some((segment) => segment === '.' || segment === '..') || path.includes('//'))
    return undefined;
  return value;
}
