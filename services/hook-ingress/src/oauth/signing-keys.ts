import { createPrivateKey, createPublicKey, type JsonWebKeyInput, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from 'jose';
import { MIN_RSA_BITS } from './public-jwks.ts';

/** One key of OAUTH_SIGNING_KEY: the algorithm follows the key type (RSA → RS256, EC P-256 → ES256). */
export interface SigningKeyMaterial {
  alg: 'RS256' | 'ES256';
  /** Absent for a public-only member of a key set: it verifies tokens signed before a rotation, never signs. */
  privateKey?: KeyObject;
  publicJwk: JWK;
  kid?: string;
}

/** OAUTH_SIGNING_KEY as configuration holds it: parsed and checked, key ids not yet derived. */
export interface SigningKeyConfig {
  keys: [SigningKeyMaterial, ...SigningKeyMaterial[]];
}

/** What the token endpoint signs with, and the public set every replica verifies and publishes at /v1/keys. */
export interface SigningKeys {
  signer: { kid: string; alg: 'RS256' | 'ES256'; privateKey: KeyObject };
  /** Public keys only, each with kid, alg and use "sig". */
  publicJwks: JSONWebKeySet;
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/**
 * OAUTH_SIGNING_KEY: a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC; RSA ≥ 2048 bits or EC P-256), or a JSON Web
 * Key Set whose first key is private and signs, while every key verifies: publish a new key as the second member,
 * move it first once every replica has it, keep the old one (its private part may be dropped) until the last
 * token it signed has expired. Errors never quote the key.
 */
export function parseSigningKeyConfig(raw: string): SigningKeyConfig {
  const text = raw.trim();
  if (text.startsWith('{')) return parseKeySet(text);
  // Environment files often carry a PEM on one line with literal "\n".
  const pem = text.includes('\n') ? text : text.replaceAll('\\n', '\n');
  if (!pem.startsWith('-----BEGIN')) {
    throw new SigningKeyError('must be a PEM private key or a JSON Web Key Set of private keys');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError('the PEM is not a readable private key');
  }
  return { keys: [material(key, 'the PEM key')] };
}

function parseKeySet(text: string): SigningKeyConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SigningKeyError('is not valid JSON');
  }
  const members = (value as { keys?: unknown })?.keys;
  if (!Array.isArray(members) || members.length === 0) {
    throw new SigningKeyError('a JSON Web Key Set needs a non-empty "keys" array');
  }
  const keys = members.map((member, index) => {
    const where = `key ${index + 1}`;
    if (typeof member !== 'object' || member === null) throw new SigningKeyError(`${where} is not a JWK`);
    const jwk = member as JWK;
    const isPrivate = typeof jwk.d === 'string';
    if (index === 0 && !isPrivate) throw new SigningKeyError('the first key signs: it must be a private key');
    let key: KeyObject;
    try {
      key = isPrivate
        ? createPrivateKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput)
        : createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput);
    } catch {
      throw new SigningKeyError(`${where} is not a valid JWK`);
    }
    const checked = material(key, where);
    return typeof jwk.kid === 'string' && jwk.kid.length > 0 ? { ...checked, kid: jwk.kid } : checked;
  });
  const kids = keys.map((k) => k.kid).filter(Boolean);
  if (new Set(kids).size !== kids.length) throw new SigningKeyError('two keys share a "kid"');
  return { keys: keys as SigningKeyConfig['keys'] };
}

function material(key: KeyObject, where: string): SigningKeyMaterial {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
  const privateKey = key.type === 'private' ? { privateKey: key } : {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new SigningKeyError(`${where}: RSA keys must be at least ${MIN_RSA_BITS} bits`);
    }
    return { alg: 'RS256', publicJwk, ...privateKey };
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { alg: 'ES256', publicJwk, ...privateKey };
  }
  throw new SigningKeyError(`${where}: must be RSA (2048 bits or more) or EC P-256`);
}

/** Derives missing key ids (RFC 7638 thumbprints, so every replica names a key alike) and the public JWK Set. */
export async function loadSigningKeys(config: SigningKeyConfig): Promise<SigningKeys> {
  const keys = await Promise.all(
    config.keys.map(async (k) => ({ ...k, kid: k.kid ?? (await calculateJwkThumbprint(k.publicJwk)) })),
  );
  const first = keys[0] as (typeof keys)[number];
  if (!first.privateKey) throw new SigningKeyError('the first key signs: it must be a private key');
  return {
    signer: { kid: first.kid, alg: first.alg, privateKey: first.privateKey },
    publicJwks: { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) },
  };
}
