import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { basicAuth, testVonagePrivateKey } from '../testing/harness.ts';
import { applicationPublicKeyFrom, checkSmsCredentials, checkVoiceJwt, type VonageAccount } from './auth.ts';

const APP = '11111111-2222-4333-8444-555555555555';
const privateKey = testVonagePrivateKey();
const account: VonageAccount = {
  apiKey: 'key1',
  apiSecret: 'secret:with:colons',
  applicationId: APP,
  applicationPublicKey: applicationPublicKeyFrom(privateKey),
  signatureSecret: null,
};

async function jwt(
  claims: Record<string, unknown>,
  key = privateKey,
  alg = 'RS256',
  expiresIn: string | number = '15m',
): Promise<string> {
  const secret =
    alg === 'HS256'
      ? new TextEncoder().encode('shared')
      : (await import('node:crypto')).createPrivateKey(key);
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(expiresIn)
    .sign(secret);
}

describe('Vonage SMS credentials', () => {
  const none = new Map<string, string>();
  it('accepts HTTP Basic or api_key/api_secret parameters', () => {
    assert.equal(checkSmsCredentials(basicAuth('key1', 'secret:with:colons'), none, account), null);
    const params = new Map([
      ['api_key', 'key1'],
      ['api_secret', 'secret:with:colons'],
    ]);
    assert.equal(checkSmsCredentials(undefined, params, account), null);
  });

  it('answers status 2 when missing and 4 when wrong', () => {
    assert.deepEqual(checkSmsCredentials(undefined, none, account), { status: 2, text: 'Missing api_key' });
    assert.deepEqual(checkSmsCredentials(undefined, new Map([['api_key', 'key1']]), account), {
      status: 2,
      text: 'Missing api_secret',
    });
    assert.equal(checkSmsCredentials(basicAuth('key1', 'nope'), none, account)?.status, 4);
    assert.equal(checkSmsCredentials(basicAuth('other', 'secret:with:colons'), none, account)?.status, 4);
  });
});

describe('Vonage Voice JWT', () => {
  it('accepts an RS256 JWT for the application', async () => {
    assert.equal(await checkVoiceJwt(`Bearer ${await jwt({ application_id: APP })}`, account), null);
  });

  it('refuses anything else with 401 and says why', async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const cases: [string | undefined, RegExp][] = [
      [undefined, /Bearer JWT is required/],
      ['Bearer not.a.jwt', /not a well-formed JWT/],
      [`Bearer ${await jwt({ application_id: 'another-app' })}`, /application_id/],
      [`Bearer ${await jwt({ application_id: APP }, other)}`, /signature does not match/],
      [`Bearer ${await jwt({ application_id: APP }, privateKey, 'HS256')}`, /RS256/],
      [
        `Bearer ${await jwt({ application_id: APP }, privateKey, 'RS256', Math.floor(Date.now() / 1000) - 120)}`,
        /expired/,
      ],
    ];
    for (const [header, reason] of cases) {
      const problem = await checkVoiceJwt(header, account);
      assert.equal(problem?.status, 401, String(header));
      assert.match(problem?.detail ?? '', reason);
    }
  });

  it('refuses every call when no application key is configured', async () => {
    const problem = await checkVoiceJwt(`Bearer ${await jwt({ application_id: APP })}`, {
      ...account,
      applicationPublicKey: null,
    });
    assert.match(problem?.detail ?? '', /VONAGE_PRIVATE_KEY/);
  });

  it('reads private or public PEM keys, with "\\n" escapes, and refuses other text', () => {
    const { publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    assert.equal(applicationPublicKeyFrom(publicKey).asymmetricKeyType, 'rsa');
    assert.equal(applicationPublicKeyFrom(privateKey.replaceAll('\n', '\\n')).asymmetricKeyType, 'rsa');
    assert.throws(() => applicationPublicKeyFrom('not a key'), /not a PEM RSA key/);
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    assert.throws(() => applicationPublicKeyFrom(ec.publicKey), /must be an RSA key/);
  });
});
