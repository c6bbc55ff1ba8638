import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { parseBasicAuth, parseBearer, secretsEqual } from '../lib/credentials.ts';
import { SMS_STATUS, type SmsRefusal, smsRefusal, unauthorizedProblem, type VoiceProblem } from './errors.ts';

export interface VonageAccount {
  /** SMS API credentials. */
  apiKey: string;
  apiSecret: string;
  /** The Voice application: JWTs must carry it as their `application_id` claim. */
  applicationId: string;
  /**
   * Verifies the RS256 signature of Voice API JWTs (derived from the application's private key, or given as
   * its public key). Null: no key configured, and the Voice API refuses every call with 401.
   */
  applicationPublicKey: KeyObject | null;
  /**
   * Signs SMS delivery receipts (sig, SHA-256 HMAC) and voice event webhooks (HS256 JWT). Null: callbacks go
   * unsigned, as for a Vonage account without signed webhooks.
   */
  signatureSecret: string | null;
}

/**
 * The public key to verify JWTs with, from a PEM private key (PKCS#8 or PKCS#1, as Vonage's dashboard
 * downloads it) or a PEM public key. Accepts "\n" written as two characters, as PEMs in environment
 * variables often are. Throws a TypeError naming the problem (never the key).
 */
export function applicationPublicKeyFrom(pem: string): KeyObject {
  const text = pem.includes('\\n') ? pem.replaceAll('\\n', '\n') : pem;
  let key: KeyObject;
  try {
    key = createPublicKey(text.trim());
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new TypeError(`the Vonage application key is not a PEM RSA key (${reason})`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`the Vonage application key must be an RSA key, not ${key.asymmetricKeyType}`);
  }
  return key;
}

/** SMS API parameters as strings: the form or JSON body merged over the query string. */
export type SmsParams = ReadonlyMap<string, string>;

/**
 * SMS API authentication: HTTP Basic api_key:api_secret (what @vonage/server-sdk sends), or api_key and
 * api_secret parameters in the body or query string (what the API documents and curl users send).
 * Missing: status 2; wrong: status 4, both in an HTTP 200 as Vonage answers. Signed requests (sig with the
 * signature secret instead of api_secret) are not simulated.
 */
export function checkSmsCredentials(
  header: string | undefined,
  params: SmsParams,
  account: VonageAccount,
): SmsRefusal | null {
  const basic = parseBasicAuth(header);
  const apiKey = basic?.username ?? params.get('api_key');
  const apiSecret = basic?.password ?? params.get('api_secret');
  const missing = SMS_STATUS.missingParams.code;
  if (apiKey === undefined || apiKey === '') return { status: missing, text: 'Missing api_key' };
  if (apiSecret === undefined || apiSecret === '') return { status: missing, text: 'Missing api_secret' };
  // Both comparisons always run, so timing does not reveal which half was wrong.
  const keyOk = secretsEqual(apiKey, account.apiKey);
  const secretOk = secretsEqual(apiSecret, account.apiSecret);
  return keyOk && secretOk ? null : smsRefusal(SMS_STATUS.invalidCredentials);
}

/**
 * Voice API authentication: "Authorization: Bearer <JWT>", RS256-signed with the application's private key,
 * with `application_id` naming the configured application and `iat`, `jti` present (as @vonage/jwt writes
 * them); `exp`/`nbf` are honoured with 30 s of clock tolerance. Anything else: 401 problem JSON.
 */
export async function checkVoiceJwt(
  header: string | undefined,
  account: VonageAccount,
): Promise<VoiceProblem | null> {
  if (account.applicationPublicKey === null) {
    return unauthorizedProblem(
      'provider-sim has no Vonage application key: set VONAGE_PRIVATE_KEY, VONAGE_PRIVATE_KEY_PATH or VONAGE_PUBLIC_KEY to use the Voice API.',
    );
  }
  const token = parseBearer(header);
  if (token === null) return unauthorizedProblem('A Bearer JWT is required (Authorization: Bearer <JWT>).');
  try {
    const { payload } = await jwtVerify(token, account.applicationPublicKey, {
      algorithms: ['RS256'],
      requiredClaims: ['iat', 'jti'],
      clockTolerance: 30,
    });
    if (payload.application_id !== account.applicationId) {
      return unauthorizedProblem('The JWT does not name this application (application_id claim).');
    }
    return null;
  } catch (error) {
    return unauthorizedProblem(`Invalid token: ${jwtProblem(error)}.`);
  }
}

function jwtProblem(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'the signature does not match the application key';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'it must be signed with RS256';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JOSEError) return 'it is not a well-formed JWT';
  throw error;
}
