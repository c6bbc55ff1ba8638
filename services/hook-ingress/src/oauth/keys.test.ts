import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { ecKeyPair, oktaHookKeyResponse, rsaKeyPair } from '../../test/support/oauth-fixtures.ts';
import { JwksError, parsePublicJwks } from './public-jwks.ts';
import { loadSigningKeys, parseSigningKeyConfig, SigningKeyError } from './signing-keys.ts';

describe('OAUTH_SIGNING_KEY', () => {
  it('reads an RSA PEM (RS256) and an EC P-256 PEM (ES256), key id = RFC 7638 thumbprint', async () => {
    const rsa = await rsaKeyPair();
    const keys = await loadSigningKeys(parseSigningKeyConfig(rsa.privatePem));
    assert.equal(keys.signer.alg, 'RS256');
    assert.equal(keys.signer.kid, await calculateJwkThumbprint(rsa.publicJwk));
    assert.equal(keys.publicJwks.keys.length, 1);
    assert.equal(keys.publicJwks.keys[0]?.d, undefined, 'the published set holds no private part');
    assert.deepEqual(
      { alg: keys.publicJwks.keys[0]?.alg, use: keys.publicJwks.keys[0]?.use },
      { alg: 'RS256', use: 'sig' },
    );
    const ec = await ecKeyPair();
    assert.equal((await loadSigningKeys(parseSigningKeyConfig(ec.privatePem))).signer.alg, 'ES256');
  });

  it('reads a PEM written on one line with literal \\n, and a PKCS#1 RSA PEM', async () => {
    const rsa = await rsaKeyPair();
    assert.equal(parseSigningKeyConfig(rsa.privatePem.replaceAll('\n', '\\n')).keys[0].alg, 'RS256');
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    assert.equal(parseSigningKeyConfig(pkcs1).keys[0].alg, 'RS256');
  });

  it('refuses RSA under 2048 bits, other curves, public keys and junk, without quoting the key', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    assert.throws(() => parseSigningKeyConfig(small), /at least 2048 bits/);
    const p384 = await ecKeyPair('secp384r1');
    assert.throws(() => parseSigningKeyConfig(p384.privatePem), /RSA \(2048 bits or more\) or EC P-256/);
    const rsa = await rsaKeyPair();
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.throws(() => parseSigningKeyConfig(publicPem), SigningKeyError);
    try {
      parseSigningKeyConfig(`${rsa.privatePem.slice(0, 200)}garbage`);
      assert.fail('accepted a broken PEM');
    } catch (error) {
      assert.ok(error instanceof SigningKeyError);
      assert.ok(!error.message.includes('MII'), 'the error quotes key material');
    }
    assert.throws(() => parseSigningKeyConfig('not a key'), /PEM private key or a JSON Web Key Set/);
  });

  it('a private JWK Set: the first key signs, every key verifies (public-only members too), kids kept', async () => {
    const next = await ecKeyPair();
    const old = await rsaKeyPair();
    const set = {
      keys: [
        { ...(await exportJWK(next.privateKey)), kid: 'k-2026' },
        { ...old.publicJwk, kid: 'k-2025' },
      ],
    };
    const keys = await loadSigningKeys(parseSigningKeyConfig(JSON.stringify(set)));
    assert.deepEqual({ kid: keys.signer.kid, alg: keys.signer.alg }, { kid: 'k-2026', alg: 'ES256' });
    assert.deepEqual(
      keys.publicJwks.keys.map((k) => [k.kid, k.alg, k.d]),
      [
        ['k-2026', 'ES256', undefined],
        ['k-2025', 'RS256', undefined],
      ],
    );
    assert.throws(
      () => parseSigningKeyConfig(JSON.stringify({ keys: [{ ...old.publicJwk }] })),
      /first key signs/,
    );
    assert.throws(
      () =>
        parseSigningKeyConfig(JSON.stringify({ keys: [set.keys[0], { ...old.publicJwk, kid: 'k-2026' }] })),
      /share a "kid"/,
    );
    assert.throws(() => parseSigningKeyConfig('{"keys": []}'), /non-empty/);
  });
});

describe('a client public JWK Set (OKTA_HOOK_OAUTH_CLIENT_JWKS)', () => {
  it('takes Okta\'s hook-key answer as it comes: _embedded, alg "RSA", use null', async () => {
    const pair = await rsaKeyPair();
    const set = parsePublicJwks(oktaHookKeyResponse(pair.publicJwk, 'hook-key-1'));
    assert.equal(set.keys.length, 1);
    assert.deepEqual(
      { kid: set.keys[0]?.kid, kty: set.keys[0]?.kty, alg: set.keys[0]?.alg, use: set.keys[0]?.use },
      { kid: 'hook-key-1', kty: 'RSA', alg: undefined, use: undefined },
    );
  });

  it('takes use as the string "null" (Okta\'s create answer), absent or "sig"; refuses any other use', async () => {
    const pair = await rsaKeyPair();
    const created = {
      id: 'HKY1',
      keyId: 'hook-key-2',
      _embedded: { ...pair.publicJwk, kid: 'hook-key-2', alg: 'RSA', use: 'null' },
    };
    assert.equal(parsePublicJwks(created).keys[0]?.use, undefined);
    const { use: _, ...absent } = { ...pair.publicJwk, use: undefined };
    assert.equal(parsePublicJwks(absent).keys.length, 1);
    assert.equal(parsePublicJwks({ keys: [{ ...pair.publicJwk, use: 'sig' }] }).keys[0]?.use, 'sig');
    assert.throws(
      () => parsePublicJwks({ ...pair.publicJwk, use: 'enc' }),
      /key 1 is not a signing key \(use\)/,
    );
  });

  it('takes one JWK or a set; refuses private keys, small RSA keys, unknown types', async () => {
    const rsa = await rsaKeyPair();
    const ec = await ecKeyPair();
    assert.equal(parsePublicJwks(rsa.publicJwk).keys.length, 1);
    assert.equal(parsePublicJwks({ keys: [rsa.publicJwk, ec.publicJwk] }).keys.length, 2);
    assert.throws(() => parsePublicJwks(exportJWKSync(rsa)), /PUBLIC key only/);
    const small = await rsaKeyPair(1024);
    assert.throws(() => parsePublicJwks(small.publicJwk), /at least 2048 bits/);
    assert.throws(() => parsePublicJwks({ kty: 'oct', k: 'c2VjcmV0' }), JwksError);
    assert.throws(() => parsePublicJwks({ keys: [] }), /no keys/);
    assert.throws(() => parsePublicJwks({ ...rsa.publicJwk, use: 'enc' }), /not a signing key/);
  });
});

function exportJWKSync(pair: { privateKey: import('node:crypto').KeyObject }) {
  return pair.privateKey.export({ format: 'jwk' });
}
