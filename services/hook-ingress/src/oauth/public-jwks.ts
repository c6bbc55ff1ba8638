import { createPublicKey, type JsonWebKeyInput } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { ASYMMETRIC_JWS_ALGORITHMS } from './algorithms.ts';

/** RSA keys below this size are refused (NIST SP 800-131A; jose refuses them for RS*\/PS* as well). */
export const MIN_RSA_BITS = 2048;
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);

export class JwksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksError';
  }
}

/**
 * A client's or an issuer's public keys, as JSON, in the forms operators will paste: a JWK Set (`{"keys":[…]}`),
 * one JWK, or Okta's answer to `GET /api/v1/hook-keys/public/{keyId}` (`{"_embedded": {…JWK…}}`).
 *
 * Okta's hook-key JWK says `"alg": "RSA"` (a key type, not a JWS algorithm) and `"use": null` (or `"null"`, a
 * string, in its create answer); taken literally,
 * jose would match no algorithm with it. Such non-standard members are dropped, so the key is selected by `kid`
 * and key type, and the algorithm is still checked against the allow-list. Private members (`d`, …) are refused:
 * only public keys belong here. Throws JwksError naming the problem, never echoing key material.
 */
export function parsePublicJwks(value: unknown): JSONWebKeySet {
  const container = isObject(value) && isObject(value._embedded) ? value._embedded : value;
  const members = isObject(container) && Array.isArray(container.keys) ? container.keys : [container];
  if (members.length === 0) throw new JwksError('the key set has no keys');
  if (members.length > 20) throw new JwksError('the key set has more than 20 keys');
  const keys = members.map((member, index) => normalisePublicJwk(member, index));
  const kids = keys.map((k) => k.kid).filter((kid) => kid !== undefined);
  if (new Set(kids).size !== kids.length) throw new JwksError('two keys share a "kid"');
  return { keys };
}

function normalisePublicJwk(member: unknown, index: number): JWK {
  const where = `key ${index + 1}`;
  if (!isObject(member)) throw new JwksError(`${where} is not a JSON object`);
  if ('d' in member || 'p' in member || 'k' in member) {
    throw new JwksError(`${where} holds private or secret key material: register the PUBLIC key only`);
  }
  const jwk: JWK = {};
  for (const [name, v] of Object.entries(member)) {
    if (typeof v === 'string' || (name === 'key_ops' && Array.isArray(v)))
      (jwk as Record<string, unknown>)[name] = v;
  }
  if (jwk.alg !== undefined && !(ASYMMETRIC_JWS_ALGORITHMS as readonly string[]).includes(jwk.alg))
    delete jwk.alg;
  // Okta's hook-key answers spell "no use" two ways: JSON null (GET /hook-keys/public/{keyId}, dropped above as
  // a non-string) and the string "null" (the create and expand=publickey answers). Both mean absent.
  if (jwk.use === 'null') delete jwk.use;
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new JwksError(`${where} is not a signing key (use)`);
  if (jwk.kty === 'RSA') {
    if (!jwk.n || !jwk.e) throw new JwksError(`${where}: an RSA key needs "n" and "e"`);
  } else if (jwk.kty === 'EC') {
    if (!jwk.crv || !EC_CURVES.has(jwk.crv) || !jwk.x || !jwk.y) {
      throw new JwksError(`${where}: an EC key needs "crv" (P-256, P-384 or P-521), "x" and "y"`);
    }
  } else if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519' || !jwk.x) throw new JwksError(`${where}: an OKP key must be Ed25519 with "x"`);
  } else {
    throw new JwksError(`${where}: "kty" must be RSA, EC or OKP`);
  }
  let bits: number | undefined;
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput);
    bits = key.asymmetricKeyDetails?.modulusLength;
  } catch {
    throw new JwksError(`${where} is not a valid public key`);
  }
  if (jwk.kty === 'RSA' && (bits ?? 0) < MIN_RSA_BITS) {
    throw new JwksError(`${where}: RSA keys must be at least ${MIN_RSA_BITS} bits`);
  }
  return jwk;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
