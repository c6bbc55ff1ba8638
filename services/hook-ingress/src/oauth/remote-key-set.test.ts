import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createLogger } from '@byot/observability';
import { FakeIssuer } from '../../test/support/oauth-fixtures.ts';
import { AccessTokenVerifier } from './access-token-verifier.ts';
import { isTrustedKeyUrl, RemoteKeySet } from './remote-key-set.ts';

const log = createLogger({ service: 'test', level: 'silent' });

describe('RemoteKeySet (an external issuer’s keys)', () => {
  let okta: FakeIssuer;
  const sets: RemoteKeySet[] = [];
  before(async () => {
    okta = await FakeIssuer.start();
  });
  afterEach(() => {
    for (const s of sets.splice(0)) s.stop();
    okta.down = false;
    okta.metadata = { oauth: true, openid: true };
    okta.metadataIssuer = undefined;
    okta.keys.clear();
    okta.requests = [];
  });
  after(() => okta.stop());

  const keySet = (options: Partial<ConstructorParameters<typeof RemoteKeySet>[0]> = {}) => {
    const set = new RemoteKeySet({ issuer: okta.issuer, log, cooldownMs: 0, ...options });
    sets.push(set);
    return set;
  };
  const verifierOf = (keys: RemoteKeySet) =>
    new AccessTokenVerifier([
      {
        issuer: okta.issuer,
        audience: 'api://default',
        requiredScopes: [],
        maxTokenAgeSeconds: 86_400,
        getKey: keys.getKey,
      },
    ]);

  it('finds the JWKS in the oauth-authorization-server metadata, else in openid-configuration', async () => {
    const kid = await okta.addKey();
    const first = keySet();
    first.start();
    await first.whenReady();
    assert.ok(okta.requests.includes('/oauth2/default/.well-known/oauth-authorization-server'));
    assert.ok(!okta.requests.includes('/oauth2/default/.well-known/openid-configuration'));
    okta.metadata = { oauth: false, openid: true };
    const second = keySet();
    second.start();
    await second.whenReady();
    assert.ok(okta.requests.includes('/oauth2/default/.well-known/openid-configuration'));
    assert.equal((await verifierOf(second).verify(await okta.token(kid))).ok, true);
  });

  it('is not ready while the issuer cannot be reached at start, and becomes ready once it can', async () => {
    const kid = await okta.addKey();
    okta.down = true;
    const keys = keySet({ fetchTimeoutMs: 500 });
    keys.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(keys.ready, false);
    assert.deepEqual(await verifierOf(keys).verify(await okta.token(kid)), {
      ok: false,
      reason: 'keys-unavailable',
    });
    okta.down = false;
    await keys.whenReady(); // the start-up retry (after ~1 s)
    assert.equal(keys.ready, true);
  });

  it('refuses metadata that names another issuer', async () => {
    await okta.addKey();
    okta.metadataIssuer = 'https://evil.example/oauth2/default';
    const keys = keySet();
    await keys.refresh('start');
    assert.equal(keys.ready, false);
  });

  it('rotation: a new kid is accepted after the refresh it triggers; a removed key is refused after one', async () => {
    const oldKid = await okta.addKey('old');
    const keys = keySet({ cooldownMs: 0 });
    keys.start();
    await keys.whenReady();
    const verifier = verifierOf(keys);
    const oldToken = await okta.token(oldKid);
    assert.equal((await verifier.verify(oldToken)).ok, true);

    const newKid = await okta.addKey('new');
    const before = okta.requests.length;
    assert.equal((await verifier.verify(await okta.token(newKid))).ok, true, 'new kid after refresh');
    assert.equal(okta.requests.length, before + 1, 'one JWKS fetch for the unknown kid');

    okta.removeKey(oldKid);
    await keys.refresh('interval');
    assert.deepEqual(await verifier.verify(oldToken), { ok: false, reason: 'unknown-key' });
  });

  it('unknown kids refresh at most once per cooldown (made-up kids cost one fetch)', async () => {
    await okta.addKey('a');
    const keys = keySet({ cooldownMs: 60_000 });
    keys.start();
    await keys.whenReady();
    const verifier = verifierOf(keys);
    const other = new FakeIssuer();
    other.url = okta.url; // same issuer URL, keys the real issuer never published
    await other.addKey('made-up');
    const before = okta.requests.length;
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await verifier.verify(await other.token('made-up')), {
        ok: false,
        reason: 'unknown-key',
      });
    }
    assert.equal(okta.requests.length, before, 'within the cooldown of the start-up fetch: no fetch at all');
  });

  it('keeps serving the keys it holds while the issuer is unreachable', async () => {
    const kid = await okta.addKey();
    const keys = keySet();
    keys.start();
    await keys.whenReady();
    okta.down = true;
    await keys.refresh('interval');
    assert.equal(keys.ready, true);
    assert.equal((await verifierOf(keys).verify(await okta.token(kid))).ok, true);
  });

  it('never keeps a hook waiting longer than hookWaitMs on a refresh', async () => {
    await okta.addKey('a');
    const keys = keySet({ hookWaitMs: 100, fetchTimeoutMs: 5_000 });
    keys.start();
    await keys.whenReady();
    const newKid = await okta.addKey('b');
    const token = await okta.token(newKid);
    // The JWKS answer hangs: the refresh goes on, the hook does not wait for it.
    okta.down = true;
    const verdict = await verifierOf(keys).verify(token);
    assert.deepEqual(verdict, { ok: false, reason: 'unknown-key' });
  });
});

describe('isTrustedKeyUrl', () => {
  it('https anywhere, http only on loopback', () => {
    assert.equal(isTrustedKeyUrl('https://acme.okta.com/oauth2/default'), true);
    assert.equal(isTrustedKeyUrl('http://127.0.0.1:8080/oauth2/default'), true);
    assert.equal(isTrustedKeyUrl('http://localhost/x'), true);
    assert.equal(isTrustedKeyUrl('http://[::1]:99/x'), true);
    assert.equal(isTrustedKeyUrl('http://acme.okta.com/oauth2/default'), false);
    assert.equal(isTrustedKeyUrl('http://127.0.0.1.evil.example/x'), false);
    assert.equal(isTrustedKeyUrl('ftp://acme.okta.com/x'), false);
  });
});
