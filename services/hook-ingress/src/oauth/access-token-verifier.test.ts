import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@byot/observability';
import { createLocalJWKSet, SignJWT } from 'jose';
import {
  FakeIssuer,
  hs256WithPublicKey,
  tamperPayload,
  tamperSignature,
  unsignedJwt,
} from '../../test/support/oauth-fixtures.ts';
import { AccessTokenVerifier } from './access-token-verifier.ts';
import { RemoteKeySet } from './remote-key-set.ts';

const log = createLogger({ service: 'test', level: 'silent' });

describe('AccessTokenVerifier (an Okta custom authorization server)', () => {
  let okta: FakeIssuer;
  let kid: string;
  let verifier: AccessTokenVerifier;
  let keys: RemoteKeySet;
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    okta = await FakeIssuer.start();
    kid = await okta.addKey('okta-key-1');
    keys = new RemoteKeySet({ issuer: okta.issuer, log });
    keys.start();
    await keys.whenReady();
    verifier = new AccessTokenVerifier([
      {
        issuer: okta.issuer,
        audience: 'api://default',
        requiredScopes: ['byot.hook'],
        requiredClientId: '0oaHookClient',
        maxTokenAgeSeconds: 86_400,
        getKey: keys.getKey,
      },
    ]);
  });
  after(async () => {
    keys.stop();
    await okta.stop();
  });

  it("accepts Okta's access token: RS256, iss/aud exact, scp holds the scope, cid matches", async () => {
    const verdict = await verifier.verify(await okta.token(kid));
    assert.deepEqual(verdict, { ok: true, issuer: okta.issuer, clientId: '0oaHookClient' });
  });

  it('refuses each way a token can be wrong, with a reason', async () => {
    const pair = okta.keys.get(kid);
    assert.ok(pair);
    const claims = {
      iss: okta.issuer,
      aud: 'api://default',
      scp: ['byot.hook'],
      cid: '0oaHookClient',
      iat: now(),
      exp: now() + 600,
    };
    const cases: [string, string | Promise<string>, string][] = [
      ['wrong issuer', okta.token(kid, { iss: `${okta.issuer}x` }), 'bad-iss'],
      ['wrong audience', okta.token(kid, {}, { audience: 'api://other' }), 'bad-aud'],
      ['missing scope', okta.token(kid, { scp: ['other.scope'] }), 'missing-scope'],
      ['wrong cid', okta.token(kid, { cid: '0oaSomeoneElse' }), 'bad-cid'],
      ['expired', okta.token(kid, {}, { issuedAt: now() - 7200, expiresInSeconds: 3600 }), 'expired'],
      ['not yet valid', okta.token(kid, {}, { notBefore: now() + 600 }), 'bad-nbf'],
      ['issued in the future', okta.token(kid, {}, { issuedAt: now() + 600 }), 'bad-iat'],
      [
        'older than the maximum age',
        okta.token(kid, {}, { issuedAt: now() - 90_000, expiresInSeconds: 100_000 }),
        'too-old',
      ],
      ['tampered signature', okta.token(kid).then(tamperSignature), 'bad-signature'],
      ['tampered claims', okta.token(kid).then((t) => tamperPayload(t, { cid: 'x' })), 'bad-signature'],
      ['alg none', unsignedJwt(claims), 'alg-not-allowed'],
      [
        'HS256 signed with the public key',
        hs256WithPublicKey(claims, pair.publicKey, kid),
        'alg-not-allowed',
      ],
      ['not a JWT', 'not.a.jwt', 'malformed'],
      [
        'no exp',
        new SignJWT({ ...claims, exp: undefined })
          .setProtectedHeader({ alg: 'RS256', kid })
          .sign(pair.privateKey),
        'bad-exp',
      ],
    ];
    for (const [label, token, reason] of cases) {
      assert.deepEqual(await verifier.verify(await token), { ok: false, reason }, label);
    }
  });

  it('tolerates a small clock difference on exp and nbf', async () => {
    const t = now();
    assert.equal(
      (await verifier.verify(await okta.token(kid, {}, { issuedAt: t - 70, expiresInSeconds: 60 }))).ok,
      true,
    );
    assert.equal((await verifier.verify(await okta.token(kid, {}, { notBefore: t + 10 }))).ok, true);
  });

  it('requires the typ of byot tokens (at+jwt) where configured', async () => {
    const pair = okta.keys.get(kid);
    assert.ok(pair);
    const strict = new AccessTokenVerifier([
      {
        issuer: okta.issuer,
        audience: 'api://default',
        requiredScopes: [],
        typ: 'at+jwt',
        maxTokenAgeSeconds: 3600,
        getKey: createLocalJWKSet({ keys: [{ ...pair.publicJwk, kid }] }),
      },
    ]);
    assert.deepEqual(await strict.verify(await okta.token(kid)), { ok: false, reason: 'bad-typ' });
  });
});
