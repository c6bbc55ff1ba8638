import { timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { ASYMMETRIC_JWS_ALGORITHMS } from './algorithms.ts';
import {
  type AuthorizationServer,
  type OAuthClient,
  secretDigest,
  tokenEndpointOf,
} from './authorization-server.ts';
import type { ReplayGuard } from './replay-guard.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_post',
  'client_secret_basic',
  'private_key_jwt',
];

/** A client assertion may live this long at most: its jti is remembered that long, so the memory stays bounded. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Clock difference tolerated between Okta and us on exp/nbf/iat. */
export const CLOCK_TOLERANCE_SECONDS = 30;

export type ClientAuthentication =
  | { ok: true; client: OAuthClient; method: ClientAuthMethod }
  | {
      ok: false;
      error: 'invalid_request' | 'invalid_client';
      /** Safe to send to the client and to log: never a secret, an assertion, or which part was wrong. */
      description: string;
      /** For our log line only (bounded vocabulary). */
      reason: string;
      /** The client id the caller named (unverified), for throttling and the log. */
      claimedClientId: string | undefined;
      /** Authentication was attempted with the Authorization header: answer with a Basic challenge. */
      viaHeader: boolean;
    };

/** What the caller claims before anything is verified: which client, which method(s). */
export interface ClaimedClient {
  clientId: string | undefined;
  methods: ClientAuthMethod[];
  basic?: { clientId: string; secret: string };
}

/** Any printable client id up to 128 characters; anything else is refused before it is looked up or logged. */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Reads the client's claim from the token request (RFC 6749 §2.3, RFC 7523 §2.2) without trusting any of it.
 * client_secret_basic's id and secret are form-encoded inside the Basic credentials (RFC 6749 §2.3.1).
 */
export function claimedClient(
  params: Record<string, string>,
  authorization: string | undefined,
): ClaimedClient {
  const methods: ClientAuthMethod[] = [];
  let basic: ClaimedClient['basic'];
  if (authorization !== undefined) {
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(authorization);
    if (match?.[1]) {
      const bytes = Buffer.from(match[1], 'base64');
      // Only the canonical encoding: Node's decoder skips stray characters.
      const decoded = bytes.toString('base64') === match[1] ? bytes.toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const id = colon > 0 ? formDecode(decoded.slice(0, colon)) : undefined;
      const secret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : undefined;
      if (id !== undefined && secret !== undefined) basic = { clientId: id, secret };
    }
    methods.push('client_secret_basic');
  }
  if (params.client_secret !== undefined) methods.push('client_secret_post');
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) {
    methods.push('private_key_jwt');
  }
  // An assertion names its client itself (iss = sub = client id); client_id, if sent too, must agree.
  const clientId =
    (params.client_assertion === undefined ? undefined : assertionIssuer(params.client_assertion)) ??
    basic?.clientId ??
    params.client_id;
  return {
    clientId: clientId !== undefined && CLIENT_ID.test(clientId) ? clientId : undefined,
    methods,
    basic,
  };
}

/**
 * Authenticates the client of a token request by exactly one method. Every way of being wrong about the client —
 * unknown id, wrong secret, a method it has no credential for, a bad or replayed assertion — gives the same
 * `invalid_client` answer; only the log line says which. Secrets are compared in constant time over digests.
 */
export async function authenticateClient(
  server: AuthorizationServer,
  params: Record<string, string>,
  authorization: string | undefined,
  deps: { replay: ReplayGuard; now?: () => number },
): Promise<ClientAuthentication> {
  const claim = claimedClient(params, authorization);
  const viaHeader = authorization !== undefined;
  const fail = (error: 'invalid_request' | 'invalid_client', reason: string, description?: string) =>
    ({
      ok: false,
      error,
      reason,
      description: description ?? 'client authentication failed',
      claimedClientId: claim.clientId,
      viaHeader,
    }) as const;

  if (claim.methods.length === 0)
    return fail('invalid_client', 'no-client-authentication', 'client authentication required');
  if (claim.methods.length > 1) {
    return fail('invalid_request', 'several-methods', 'use exactly one client authentication method');
  }
  const method = claim.methods[0] as ClientAuthMethod;

  if (method === 'private_key_jwt') {
    return verifyAssertion(server, params, claim, deps).then((result) =>
      result.ok
        ? { ok: true, client: result.client, method }
        : fail(result.error, result.reason, result.description),
    );
  }

  let clientId: string | undefined;
  let secret: string | undefined;
  if (method === 'client_secret_basic') {
    if (!claim.basic) return fail('invalid_client', 'malformed-basic-credentials');
    if (params.client_id !== undefined && params.client_id !== claim.basic.clientId) {
      return fail('invalid_request', 'client-id-mismatch', 'client_id differs from the authenticated client');
    }
    ({ clientId, secret } = claim.basic);
  } else {
    clientId = params.client_id;
    secret = params.client_secret;
    if (clientId === undefined) return fail('invalid_request', 'no-client-id', 'client_id is required');
  }
  const client = claim.clientId === undefined ? undefined : server.client(clientId);
  // Digest whatever arrived, known client or not, so an unknown id costs the same time as a wrong secret.
  const presented = secretDigest(secret ?? '');
  const expected = client?.secretDigest ?? secretDigest('\u0000no secret\u0000');
  const matches = timingSafeEqual(presented, expected);
  if (!client) return fail('invalid_client', 'unknown-client');
  if (!client.secretDigest) return fail('invalid_client', 'client-has-no-secret');
  if (!matches) return fail('invalid_client', 'wrong-secret');
  return { ok: true, client, method };
}

type AssertionResult =
  | { ok: true; client: OAuthClient }
  | { ok: false; error: 'invalid_request' | 'invalid_client'; reason: string; description?: string };

/** private_key_jwt (RFC 7523 §3): signed by a key registered for the client, for us, short-lived, used once. */
async function verifyAssertion(
  server: AuthorizationServer,
  params: Record<string, string>,
  claim: ClaimedClient,
  deps: { replay: ReplayGuard; now?: () => number },
): Promise<AssertionResult> {
  const assertion = params.client_assertion;
  if (params.client_assertion_type !== JWT_BEARER_ASSERTION) {
    return {
      ok: false,
      error: 'invalid_request',
      reason: 'unsupported-assertion-type',
      description: `client_assertion_type must be ${JWT_BEARER_ASSERTION}`,
    };
  }
  if (assertion === undefined) {
    return {
      ok: false,
      error: 'invalid_request',
      reason: 'no-assertion',
      description: 'client_assertion is required',
    };
  }
  if (claim.clientId === undefined)
    return { ok: false, error: 'invalid_client', reason: 'malformed-assertion' };
  const client = server.client(claim.clientId);
  if (!client) return { ok: false, error: 'invalid_client', reason: 'unknown-client' };
  if (!client.jwks) return { ok: false, error: 'invalid_client', reason: 'client-has-no-keys' };
  if (params.client_id !== undefined && params.client_id !== client.clientId) {
    return {
      ok: false,
      error: 'invalid_request',
      reason: 'client-id-mismatch',
      description: 'client_id differs from the assertion issuer',
    };
  }

  const nowMs = (deps.now ?? Date.now)();
  const nowSeconds = Math.floor(nowMs / 1000);
  let payload: { exp?: number; iat?: number; jti?: string };
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
      algorithms: [...ASYMMETRIC_JWS_ALGORITHMS],
      issuer: client.clientId,
      subject: client.clientId,
      audience: [tokenEndpointOf(server), server.issuer],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(nowMs),
    }));
  } catch (error) {
    return { ok: false, error: 'invalid_client', reason: `assertion-${joseReason(error)}` };
  }
  const exp = payload.exp as number;
  if (exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    return { ok: false, error: 'invalid_client', reason: 'assertion-lives-too-long' };
  }
  if (payload.iat !== undefined && payload.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
    return { ok: false, error: 'invalid_client', reason: 'assertion-issued-in-the-future' };
  }
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
    return { ok: false, error: 'invalid_client', reason: 'assertion-bad-jti' };
  }
  // Remembered until it expires (plus the tolerance we granted it), on every replica at once.
  const first = await deps.replay.firstUse(
    server.tenantId,
    client.clientId,
    jti,
    (exp + CLOCK_TOLERANCE_SECONDS) * 1000,
  );
  if (!first) return { ok: false, error: 'invalid_client', reason: 'assertion-replayed' };
  return { ok: true, client };
}

/** A bounded, log-safe reason for a jose failure (never the token). */
export function joseReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return error.claim === 'iat' ? 'too-old' : 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `bad-${error.claim}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'alg-not-allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown-key';
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return 'bad-signature';
  if (error instanceof joseErrors.JOSENotSupported) return 'alg-not-supported';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'malformed';
  if (error instanceof joseErrors.JOSEError)
    return error.code.toLowerCase().replace(/^err_/, '').replaceAll('_', '-');
  return 'unverifiable';
}

function assertionIssuer(assertion: string): string | undefined {
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined; // malformed: verification says so
  }
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
