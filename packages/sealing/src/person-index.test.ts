import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { normalise, PersonIndexer } from './person-index.ts';

describe('person index digests', () => {
  const key = randomBytes(32);
  const indexer = new PersonIndexer([key]);

  it('never contains the value, and finds it again case-insensitively for logins', () => {
    const stored = indexer.digests('default', {
      login: 'Dana.Doe@Example.com',
      userId: '00u1abcd',
      phoneE164: '+12025550143',
    });
    for (const digest of Object.values(stored)) {
      assert.match(digest, /^[A-Za-z0-9_-]{43}$/);
      for (const plain of ['dana', 'example', '00u1abcd', '0143', '2025550143'])
        assert.ok(!digest.includes(plain));
    }
    assert.deepEqual(indexer.searchDigests('default', 'login', ' dana.doe@example.COM '), [stored.login]);
    assert.deepEqual(indexer.searchDigests('default', 'userId', '00u1abcd'), [stored.userId]);
    assert.deepEqual(
      indexer.searchDigests('default', 'userId', '00U1ABCD').includes(stored.userId as string),
      false,
    );
    assert.deepEqual(indexer.searchDigests('default', 'last4', '0143'), [stored.last4]);
  });

  it('keeps tenants apart: the same login in another tenant is another digest', () => {
    const a = indexer.digests('acme', { login: 'dana@example.com' }).login;
    const b = indexer.digests('globex', { login: 'dana@example.com' }).login;
    assert.notEqual(a, b);
  });

  it('depends on the key, and still searches the previous key after a rotation', () => {
    const old = indexer.digests('default', { login: 'dana@example.com' }).login;
    const rotated = new PersonIndexer([randomBytes(32), key]);
    const fresh = rotated.digests('default', { login: 'dana@example.com' }).login;
    assert.notEqual(fresh, old);
    assert.deepEqual(rotated.searchDigests('default', 'login', 'dana@example.com'), [fresh, old]);
  });

  it('refuses what cannot be searched', () => {
    assert.equal(normalise('last4', '12'), undefined);
    assert.equal(normalise('login', '   '), undefined);
    assert.deepEqual(indexer.searchDigests('default', 'last4', 'abc'), []);
    assert.deepEqual(indexer.digests('default', {}), {});
  });
});
