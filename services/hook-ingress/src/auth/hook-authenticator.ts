import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The schemes of OKTA_HOOK_AUTH. */
export type HookAuthScheme = 'header' | 'oauth';

export type AuthResult =
  | { ok: true; scheme: HookAuthScheme; clientId?: string }
  | {
      ok: false;
      /** Bounded and log-safe: 'missing-credentials', 'bad-credentials', 'token-expired', … never the credential. */
      reason: string;
      scheme?: HookAuthScheme;
      /** A WWW-Authenticate value for the 401 (the bearer scheme's RFC 6750 challenge). */
      challenge?: string;
    };

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
    if (!value) return { ok: false, reason: 'missing-credentials', scheme: 'header' };
    return timingSafeEqual(digest(value), this.#expected)
      ? { ok: true, scheme: 'header' }
      : { ok: false, reason: 'bad-credentials', scheme: 'header' };
  }
}

/**
 * Several accepted schemes (OKTA_HOOK_AUTH=header,oauth, e.g. during a migration): the first that accepts wins,
 * in the order given (the header comparison is the cheaper). When none does, the answer is the most telling
 * failure — one that saw a credential rather than none — with any challenge a scheme offered.
 */
export class AnyOfAuthenticators implements HookAuthenticator {
  readonly #authenticators: readonly HookAuthenticator[];
  constructor(authenticators: readonly HookAuthenticator[]) {
    if (authenticators.length === 0) throw new Error('at least one hook authenticator is needed');
    this.#authenticators = authenticators;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const failures: Extract<AuthResult, { ok: false }>[] = [];
    for (const authenticator of this.#authenticators) {
      const result = await authenticator.authenticate(headers);
      if (result.ok) return result;
      failures.push(result);
    }
    const telling = failures.filter((f) => f.reason !== 'missing-credentials');
    const chosen = telling.at(-1) ?? (failures.at(-1) as Extract<AuthResult, { ok: false }>);
    const challenge = chosen.challenge ?? failures.find((f) => f.challenge)?.challenge;
    return challenge === undefined ? chosen : { ...chosen, challenge };
  }
}
