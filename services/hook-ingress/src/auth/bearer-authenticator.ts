import type { IncomingHttpHeaders } from 'node:http';
import type { AccessTokenVerifier } from '../oauth/access-token-verifier.ts';
import type { AuthResult, HookAuthenticator } from './hook-authenticator.ts';

/** RFC 6750 §2.1: `Bearer` and one b64token, nothing after it. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export const BEARER_REALM = 'byot';

/**
 * Okta's OAuth 2.0 scheme on the hook: `Authorization: Bearer <JWT>`, from byot's own authorization server or
 * from an external one (an Okta custom authorization server). The challenge follows RFC 6750 §3: no error code
 * when no token came, `invalid_token` for every token that did not verify (the reason goes to our log only).
 */
export class BearerTokenAuthenticator implements HookAuthenticator {
  readonly #verifier: AccessTokenVerifier;
  constructor(verifier: AccessTokenVerifier) {
    this.#verifier = verifier;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const header = headers.authorization;
    // No Bearer credential at all (none, or another scheme such as the header secret's Basic): nothing to judge.
    if (!header || !/^bearer(\s|$)/i.test(header)) {
      return {
        ok: false,
        reason: 'missing-credentials',
        scheme: 'oauth',
        challenge: `Bearer realm="${BEARER_REALM}"`,
      };
    }
    const token = BEARER.exec(header)?.[1];
    const challenge = `Bearer realm="${BEARER_REALM}", error="invalid_token"`;
    if (token === undefined) return { ok: false, reason: 'not-a-bearer-token', scheme: 'oauth', challenge };
    const verdict = await this.#verifier.verify(token);
    if (!verdict.ok) return { ok: false, reason: `token-${verdict.reason}`, scheme: 'oauth', challenge };
    return {
      ok: true,
      scheme: 'oauth',
      ...(verdict.clientId === undefined ? {} : { clientId: verdict.clientId }),
    };
  }
}
