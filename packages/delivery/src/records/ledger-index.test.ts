import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import { type HookEntry, LedgerIndex } from './ledger-index.ts';

let redis: Redis;
before(async () => {
  redis = createRedisConnection({
    url: (await sharedTestRedis()).url,
    role: 'worker',
    name: 'test-ledger-index',
  });
});
after(async () => {
  await closeRedis(redis);
});

const now = Date.now();
const entry = (eventId: string, receivedAt: number, overrides: Partial<HookEntry> = {}): HookEntry => ({
  tenant: 'default',
  eventId,
  receivedAt,
  channel: 'sms',
  requestType: 'com.okta.user.telephony.mfa-verification',
  phoneMasked: '+1•••••••43',
  otpExpiresAt: receivedAt + 300_000,
  answer: 'PENDING',
  answeredAt: receivedAt + 40,
  ...overrides,
});

describe('ledger index', () => {
  it('lists a tenant’s hooks newest first, in a time range, and keeps a duplicate in its first place', async () => {
    const keyspace = createKeyspace(uniquePrefix('lidx'));
    const index = new LedgerIndex(redis, keyspace, { retentionMs: 60_000, maxOtpLifetimeMs: 1_800_000 });
    await index.recordHook(entry('evtA', now - 3_000));
    await index.recordHook(
      entry('evtB', now - 2_000, { answer: 'FAILED', blockedBy: 'destination-country' }),
    );
    await index.recordHook(entry('evtC', now - 1_000, { answer: 'SUCCESSFUL', provider: 'TWILIO' }));
    await index.recordHook(entry('evtA', now - 500)); // Okta retried the hook
    await index.recordHook(entry('evtOther', now, { tenant: 'acme' }));

    const all = await index.feed('default', { limit: 10 });
    assert.deepEqual(
      all.map((e) => e.eventId),
      ['evtC', 'evtB', 'evtA'],
    );
    const window = await index.feed('default', { from: now - 2_500, to: now - 1_500, limit: 10 });
    assert.deepEqual(
      window.map((e) => e.eventId),
      ['evtB'],
    );
    const [a, b, missing] = await index.hooks('default', ['evtA', 'evtB', 'evtNope']);
    assert.equal(a?.answer, 'PENDING');
    assert.equal(b?.blockedBy, 'destination-country');
    assert.equal(missing, undefined);
    assert.deepEqual(
      (await index.feed('acme', { limit: 10 })).map((e) => e.eventId),
      ['evtOther'],
    );
    const ttl = await redis.pttl(keyspace.hookEntry('default', 'evtA'));
    assert.ok(ttl > 0 && ttl <= 360_000 + 1_000, `hook entries expire with the record (${ttl})`);
  });

  it('finds a person’s hooks under any of their digests, and lets the index expire with the records', async () => {
    const keyspace = createKeyspace(uniquePrefix('lidx'));
    const index = new LedgerIndex(redis, keyspace, { retentionMs: 60_000, maxOtpLifetimeMs: 1_800_000 });
    await index.recordHook(entry('evt1', now - 2_000), { login: 'digestLoginOld' });
    await index.recordHook(entry('evt2', now - 1_000, { otpExpiresAt: now + 900_000 }), {
      login: 'digestLoginNew',
      userId: 'digestUser',
    });
    await index.recordHook(entry('evt3', now - 500, { otpExpiresAt: now }), { login: 'digestLoginNew' });
    const found = await index.person('default', ['digestLoginNew', 'digestLoginOld'], 10);
    assert.deepEqual(
      found.map((e) => e.eventId),
      ['evt3', 'evt2', 'evt1'],
    );
    assert.deepEqual(await index.person('acme', ['digestLoginNew'], 10), [], 'per tenant');
    const ttl = await redis.pttl(keyspace.personIndex('default', 'digestLoginNew'));
    assert.ok(ttl > 900_000, `a shorter-lived later code does not cut the index short (${ttl})`);
  });

  it('trims entries older than any live record, never shortens an expiry and gives a key without one the record’s', async () => {
    const keyspace = createKeyspace(uniquePrefix('lidx'));
    const settings = { retentionMs: 60_000, maxOtpLifetimeMs: 600_000 };
    const index = new LedgerIndex(redis, keyspace, settings);
    const feed = keyspace.deliveryFeed('default');
    const person = keyspace.personIndex('default', 'digestP');
    // Older than the longest code life plus the retention, counted from the next answer: trimmed by it.
    const ancient = now - settings.maxOtpLifetimeMs - settings.retentionMs - 5_000;
    await index.recordHook(entry('evtAncient', ancient, { otpExpiresAt: ancient + 1_000 }), {
      login: 'digestP',
    });
    await index.recordHook(entry('evtLong', now - 1_000, { otpExpiresAt: now + 900_000 }), {
      login: 'digestP',
    });
    await index.recordHook(entry('evtShort', now - 500, { otpExpiresAt: now }), { login: 'digestP' });
    for (const key of [feed, person]) {
      assert.deepEqual(await redis.zrange(key, '0', '-1'), ['evtLong', 'evtShort'], `${key} trimmed`);
      const expiresAt = Number(await redis.pexpiretime(key));
      assert.equal(expiresAt, now + 900_000 + settings.retentionMs, `${key}: the later expiry stands`);
    }
    // A set whose expiry was removed (PERSIST) gets the record's again at the next hook, as the NX write did.
    await redis.persist(person);
    await index.recordHook(entry('evtNext', now - 100), { login: 'digestP' });
    assert.equal(Number(await redis.pexpiretime(person)), now - 100 + 300_000 + settings.retentionMs);
    const [next] = await index.hooks('default', ['evtNext']);
    assert.deepEqual(next, entry('evtNext', now - 100));
    assert.equal(
      Number(await redis.pexpiretime(keyspace.hookEntry('default', 'evtNext'))),
      now - 100 + 300_000 + settings.retentionMs,
    );
  });
});
