import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type AuthResult =
  | { ok: true; scheme: string }
  | { ok: false; reason: 'missing-credentials' | 'bad-credentials' };

/**
 * How Okta proves it is Okta. Okta offers a shared secret in a header (HTTP channel) and OAuth 2.0 bearer tokens;
 * each is one implementation of this interface, so the route does not care which an org configured.
 */
export interface HookAuthenticator {
  authenticate(headers: IncomingHttpHeaders): Promise<AuthResult>;
}

export function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Okta's HTTP-header scheme: `<header>: <secret>` sent verbatim. Compared in constant time over SHA-256 digests,
 * so neither the content nor the length of the secret leaks through timing.
 */
export class HeaderSecretAuthenticator implements HookAuthenticator {
  readonly #header: string;
  readonly #expected: Buffer;

  constructor(headerName: string, secret: string) {
    this.#header = headerName.toLowerCase();
    this.#expected = digest(secret);
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const raw = headers[this.#header];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (!value) return { ok: false, reason: 'missing-credentials' };
    return timingSafeEqual(digest(value), this.#expected)
      ? { ok: true, scheme: 'header' }
      : { ok: false, reason: 'bad-credentials' };
  }
}
