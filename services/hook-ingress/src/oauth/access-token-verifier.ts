import { decodeJwt, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ASYMMETRIC_JWS_ALGORITHMS } from './algorithms.ts';
import { joseReason } from './client-authentication.ts';
import { KeysUnavailable } from './remote-key-set.ts';

/** Clock difference tolerated on exp, nbf and iat: small, Okta's clocks and ours are both NTP-disciplined. */
export const TOKEN_CLOCK_TOLERANCE_SECONDS = 30;

/** An authorization server whose access tokens the hook accepts, and what its tokens must say. */
export interface TrustedIssuer {
  /** Compared exactly with `iss`. */
  issuer: string;
  /** `aud` must be (or contain) this, exactly. */
  audience: string;
  /** Every one must be in `scp` (Okta: an array; RFC 9068 `scope`: a space-separated string). */
  requiredScopes: readonly string[];
  /** When set, `cid` (Okta) or `client_id` (RFC 9068) must equal it. */
  requiredClientId?: string;
  /** Required JWT `typ` header (byot's own tokens: at+jwt); Okta's carry none. */
  typ?: string;
  /** Tokens issued longer ago than this are refused, whatever their `exp` says. */
  maxTokenAgeSeconds: number;
  /** The issuer's public keys: byot's own (in memory) or an external issuer's (RemoteKeySet). */
  getKey: JWTVerifyGetKey;
}

export type TokenVerdict =
  | { ok: true; issuer: string; clientId: string | undefined }
  /** reason: bounded and log-safe (never the token or a claim value). */
  | { ok: false; reason: string };

/**
 * Verifies an access token presented to the hook: jose does the JOSE work; this picks the trusted issuer by the
 * token's (yet unverified) `iss` — then requires it exactly — and applies the policy: asymmetric algorithms only,
 * `aud` exact, `exp` required, `nbf`/`iat` with a small tolerance, a maximum age, the required scopes and client.
 */
export class AccessTokenVerifier {
  readonly #issuers: ReadonlyMap<string, TrustedIssuer>;
  readonly #now: () => number;

  constructor(issuers: readonly TrustedIssuer[], now: () => number = Date.now) {
    this.#issuers = new Map(issuers.map((i) => [i.issuer, i]));
    this.#now = now;
  }

  async verify(token: string): Promise<TokenVerdict> {
    let claimedIssuer: unknown;
    try {
      claimedIssuer = decodeJwt(token).iss;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const trusted = typeof claimedIssuer === 'string' ? this.#issuers.get(claimedIssuer) : undefined;
    if (!trusted) return { ok: false, reason: 'bad-iss' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, trusted.getKey, {
        algorithms: [...ASYMMETRIC_JWS_ALGORITHMS],
        issuer: trusted.issuer,
        audience: trusted.audience,
        requiredClaims: ['exp'],
        clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: trusted.maxTokenAgeSeconds,
        currentDate: new Date(this.#now()),
        ...(trusted.typ === undefined ? {} : { typ: trusted.typ }),
      }));
    } catch (error) {
      return { ok: false, reason: error instanceof KeysUnavailable ? 'keys-unavailable' : joseReason(error) };
    }
    const granted = scopesOf(payload);
    if (trusted.requiredScopes.some((s) => !granted.has(s))) return { ok: false, reason: 'missing-scope' };
    const clientId =
      typeof payload.cid === 'string'
        ? payload.cid
        : typeof payload.client_id === 'string'
          ? payload.client_id
          : undefined;
    if (trusted.requiredClientId !== undefined && clientId !== trusted.requiredClientId) {
      return { ok: false, reason: 'bad-cid' };
    }
    return { ok: true, issuer: trusted.issuer, clientId };
  }
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  const { scp, scope } = payload;
  if (Array.isArray(scp)) for (const s of scp) if (typeof s === 'string') scopes.add(s);
  if (typeof scp === 'string') for (const s of scp.split(' ')) if (s) scopes.add(s);
  if (typeof scope === 'string') for (const s of scope.split(' ')) if (s) scopes.add(s);
  return scopes;
}
