import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { digest } from './hook-authenticator.ts';

/**
 * The operators' credential (ADMIN_TOKEN) for the delivery lookup and the queue dashboard: `Authorization:
 * Bearer <token>` for tools, or HTTP Basic with the token as the password so a browser can log in. Compared in
 * constant time over SHA-256 digests. A refusal says only that the credential is missing or wrong.
 */
export function adminAuth(token: string, realm = 'byot admin'): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const presented = presentedSecret(req.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(401)
      .json({ error: presented === undefined ? 'admin credential required' : 'admin credential refused' });
  };
}

function presentedSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}
