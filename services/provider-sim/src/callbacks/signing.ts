import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * Twilio's X-Twilio-Signature: the exact URL called, then every POST parameter as name+value sorted by name,
 * HMAC-SHA1 with the account's auth token, Base64. For a GET the parameters are in the URL and nothing is
 * appended. (twilio-node's validateRequest / getExpectedTwilioSignature compute the same.)
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: readonly (readonly [string, string])[],
): string {
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const data = url + sorted.map(([name, value]) => name + value).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Vonage's signature of SMS webhooks (delivery receipts), SHA-256 HMAC variant: every parameter except `sig`,
 * sorted by name, each written "&name=value" with '&' and '=' in the value replaced by '_', HMAC-SHA256 keyed
 * with the signature secret, hex in upper case (compare case-insensitively, as @vonage/sms verifySignature
 * does). The caller adds `timestamp` (Unix seconds) and `nonce` before signing.
 */
export function vonageSmsSignature(
  signatureSecret: string,
  params: Readonly<Record<string, string>>,
): string {
  const data = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  return createHmac('sha256', signatureSecret).update(data, 'utf8').digest('hex').toUpperCase();
}

/**
 * The JWT in "Authorization: Bearer …" of Vonage's signed Voice (and Messages) webhooks: HS256 with the
 * signature secret, claims iat, jti, iss "Vonage", api_key, application_id and payload_hash, the SHA-256 (hex)
 * of the body as sent.
 */
export function vonageWebhookJwt(
  signatureSecret: string,
  claims: { apiKey: string; applicationId: string; body: string; nowMs: number },
): Promise<string> {
  return new SignJWT({
    api_key: claims.apiKey,
    application_id: claims.applicationId,
    payload_hash: createHash('sha256').update(claims.body, 'utf8').digest('hex'),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('Vonage')
    .setIssuedAt(Math.floor(claims.nowMs / 1000))
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(signatureSecret));
}

/** The ECDSA P-256 key pair SendGrid signs event webhooks with (the simulator's own, generated or configured). */
export interface SendGridEventKey {
  privateKey: KeyObject;
  /** Base64 of the DER SubjectPublicKeyInfo: what SendGrid's settings page shows as the verification key. */
  publicKeyBase64: string;
}

/** From a PEM EC P-256 private key (SIM_SENDGRID_EVENT_PRIVATE_KEY), or a fresh key pair. */
export function sendGridEventKey(pem?: string): SendGridEventKey {
  let privateKey: KeyObject;
  if (pem === undefined) {
    privateKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  } else {
    try {
      privateKey = createPrivateKey(pem.includes('\\n') ? pem.replaceAll('\\n', '\n') : pem);
    } catch (error) {
      throw new TypeError(`not a PEM private key (${error instanceof Error ? error.message : 'unreadable'})`);
    }
    if (
      privateKey.asymmetricKeyType !== 'ec' ||
      privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
    ) {
      throw new TypeError('the SendGrid event key must be an EC P-256 (prime256v1) private key');
    }
  }
  // A private KeyObject yields its public half.
  const publicDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKeyBase64: publicDer.toString('base64') };
}

/**
 * SendGrid's event webhook signature: ECDSA P-256 with SHA-256 over the timestamp header's value followed by
 * the raw body, DER-encoded, Base64 (header X-Twilio-Email-Event-Webhook-Signature).
 */
export function sendGridSignature(key: SendGridEventKey, timestamp: string, body: string): string {
  return sign('sha256', Buffer.from(timestamp + body, 'utf8'), {
    key: key.privateKey,
    dsaEncoding: 'der',
  }).toString('base64');
}
