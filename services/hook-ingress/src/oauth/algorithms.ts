/**
 * The JWS algorithms byot accepts on any token or client assertion: asymmetric only. `none` and the HMAC family
 * (HS256…) are absent on purpose — an HMAC "signed" with a public key is the classic algorithm-confusion attack —
 * and jose refuses a JWK Set key for a secret algorithm as well. jose's key selection matches each algorithm to
 * its key type (RS*\/PS* → RSA, ES256 → EC P-256, …), so an allowed algorithm never meets the wrong kind of key.
 */
export const ASYMMETRIC_JWS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_JWS_ALGORITHMS)[number];

/** What byot signs its own access tokens with, per key type of OAUTH_SIGNING_KEY. */
export const SIGNING_ALGORITHM = { rsa: 'RS256', 'ec:P-256': 'ES256' } as const;
