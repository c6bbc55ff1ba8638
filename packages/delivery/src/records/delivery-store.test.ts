import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeliveryOutcome, SendJob } from '@byot/contracts';
import { closeRedis, createKeyspace, createRedisConnection, type Keyspace } from '@byot/redis';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import { ledgerView } from './attempt-ledger.ts';
import type { DeliveryMeta } from './delivery-record.ts';
import { DeliveryStore } from './delivery-store.ts';
import { OutcomeListener } from './outcome-listener.ts';

let redis: Redis;
let subscriber: Redis;
let url: string;

before(async () => {
  url = (await sharedTestRedis()).url;
  redis = createRedisConnection({ url, role: 'worker', name: 'test' });
  subscriber = createRedisConnection({ url, role: 'subscriber', name: 'test-sub' });
});
after(async () => {
  await closeRedis(redis);
  await closeRedis(subscriber);
});

function setup(): { keyspace: Keyspace; store: DeliveryStore; meta: DeliveryMeta } {
  const keyspace = createKeyspace(uniquePrefix('store'));
  const store = new DeliveryStore(redis, keyspace, 60_000);
  const eventId = `evt${Math.random().toString(36).slice(2, 12)}`;
  return {
    keyspace,
    store,
    meta: {
      eventId,
      deliveryId: `byot-${eventId}`,
      channel: 'sms',
      requestType: 'com.okta.user.telephony.mfa-verification',
      phoneMasked: '+1••••••••23',
      otpExpiresAt: Date.now() + 300_000,
    },
  };
}

const accepted = (eventId: string, id = 'SM1'): DeliveryOutcome => ({
  kind: 'accepted',
  eventId,
  provider: 'twilio',
  providerMessageId: id,
  at: Date.now(),
});

describe('DeliveryStore', () => {
  it('lets exactly one of many concurrent attempts start', async () => {
    const { store, meta } = setup();
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => store.beginAttempt(meta, 'twilio', 10_000)),
    );
    assert.equal(decisions.filter((d) => d.decision === 'go').length, 1);
    assert.equal(decisions.filter((d) => d.decision === 'busy').length, 19);
  });

  it('resumes an attempt whose worker died (stale "sending") and counts attempts', async () => {
    const { store, meta } = setup();
    const now = Date.now();
    assert.deepEqual(await store.beginAttempt(meta, 'twilio', 10_000, now), {
      decision: 'go',
      attempt: 1,
      previousState: '',
    });
    const resumed = await store.beginAttempt(meta, 'twilio', 10_000, now + 10_001);
    assert.deepEqual(resumed, { decision: 'go', attempt: 2, previousState: 'sending' });
  });

  it('never starts an attempt once settled, and the first settlement wins', async () => {
    const { store, meta } = setup();
    await store.beginAttempt(meta, 'twilio', 10_000);
    const first = await store.settle(accepted(meta.eventId, 'SM-first'), 'accepted', meta.otpExpiresAt);
    assert.equal(first.applied, true);
    const second = await store.settle(
      { kind: 'failed', eventId: meta.eventId, reason: 'late', at: Date.now() },
      'failed',
      meta.otpExpiresAt,
    );
    assert.equal(second.applied, false);
    assert.equal(second.outcome.kind, 'accepted');
    const again = await store.beginAttempt(meta, 'twilio', 10_000);
    assert.equal(again.decision, 'settled');
    const record = await store.get(meta.eventId);
    assert.equal(record?.state, 'accepted');
    assert.equal(record?.providerMessageId, 'SM-first');
    assert.equal(record?.phoneMasked, '+1••••••••23');
  });

  it('expires the record a retention after the OTP, and keeps no secrets', async () => {
    const { store, meta, keyspace } = setup();
    await store.beginAttempt(meta, 'twilio', 10_000);
    const ttl = await redis.pttl(keyspace.delivery(meta.eventId));
    assert.ok(ttl > 300_000 && ttl <= 360_000, `ttl ${ttl}`);
    const raw = JSON.stringify(await redis.hgetall(keyspace.delivery(meta.eventId)));
    assert.ok(!raw.includes('+1415'), raw);
  });

  it('moves retrying back to sending, and never touches a settled record', async () => {
    const { store, meta } = setup();
    await store.beginAttempt(meta, 'twilio', 10_000);
    assert.equal(await store.markRetrying(meta.eventId, 'twilio answered 500', Date.now() + 500), true);
    assert.equal((await store.get(meta.eventId))?.state, 'retrying');
    assert.equal((await store.beginAttempt(meta, 'twilio', 10_000)).decision, 'go');
    await store.settle(accepted(meta.eventId), 'accepted', meta.otpExpiresAt);
    assert.equal(await store.markRetrying(meta.eventId, 'x', Date.now()), false);
  });

  it('a fallback tombstone stops every later attempt, but cannot override one in progress', async () => {
    const a = setup();
    assert.equal(
      await a.store.markFallback(a.meta.eventId, 'enqueue-failed', a.meta.otpExpiresAt),
      'fallback',
    );
    const decision = await a.store.beginAttempt(a.meta, 'twilio', 10_000);
    assert.equal(decision.decision, 'settled');
    assert.equal(decision.decision === 'settled' && decision.outcome?.kind, 'fallback');

    const b = setup();
    await b.store.beginAttempt(b.meta, 'twilio', 10_000);
    assert.equal(
      await b.store.markFallback(b.meta.eventId, 'enqueue-failed', b.meta.otpExpiresAt),
      'sending',
    );
  });
});

describe('a code the fraud controls refused', () => {
  it('is a settled record the ledger explains, that no job ever sends, and that never overwrites an earlier one', async () => {
    const { store, meta } = setup();
    const at = Date.now();
    assert.equal(await store.recordBlock(meta, 'per-number', 'blocked: per-number limit', at), 'blocked');
    const record = await store.get(meta.eventId);
    assert.equal(record?.state, 'blocked');
    const view = ledgerView(record as NonNullable<typeof record>, []);
    assert.equal(view.delivery, 'blocked');
    assert.deepEqual(view.blocked, { rule: 'per-number', at: new Date(at).toISOString() });
    assert.equal(view.reason, 'blocked: per-number limit');
    assert.equal(view.phoneMasked, '+1••••••••23');
    const decision = await store.beginAttempt(meta, 'twilio', 10_000);
    assert.equal(decision.decision, 'settled', 'a job for this eventId would never send');
    assert.deepEqual(await store.getOutcome(meta.eventId), {
      kind: 'failed',
      eventId: meta.eventId,
      reason: 'blocked: per-number limit',
      at,
    });

    const earlier = setup();
    await earlier.store.beginAttempt(earlier.meta, 'twilio', 10_000);
    assert.equal(await earlier.store.recordBlock(earlier.meta, 'country', 'blocked: x'), 'sending');
    assert.equal((await earlier.store.get(earlier.meta.eventId))?.state, 'sending');
  });
});

describe('OutcomeListener', () => {
  it('wakes every waiter of an eventId with the settled outcome over one subscription', async () => {
    const { store, meta, keyspace } = setup();
    const sub = subscriber.duplicate();
    const listener = new OutcomeListener(sub, keyspace);
    await listener.start();
    try {
      const waits = Array.from({ length: 5 }, () =>
        listener.register(meta.eventId).until(Date.now() + 5_000),
      );
      assert.equal(listener.waitingCount, 5);
      await store.settle(accepted(meta.eventId, 'SM42'), 'accepted', meta.otpExpiresAt);
      const outcomes = await Promise.all(waits);
      for (const outcome of outcomes)
        assert.equal(outcome?.kind === 'accepted' && outcome.providerMessageId, 'SM42');
      assert.equal(listener.waitingCount, 0);
    } finally {
      await closeRedis(sub);
    }
  });

  it('gives up at the deadline and forgets the waiter', async () => {
    const { keyspace } = setup();
    const sub = subscriber.duplicate();
    const listener = new OutcomeListener(sub, keyspace);
    await listener.start();
    try {
      const started = Date.now();
      assert.equal(await listener.register('nobody').until(Date.now() + 100), undefined);
      assert.ok(Date.now() - started >= 95);
      assert.equal(listener.waitingCount, 0);
    } finally {
      await closeRedis(sub);
    }
  });
});

describe('DeliveryStore across a rolling upgrade', () => {
  it('reads the exclusions of a record the previous release wrote (field `reroute`), and keeps both names', async () => {
    const { store, meta, keyspace } = setup();
    await store.beginAttempt(meta, 'twilio', 10_000);
    await store.settle(accepted(meta.eventId, 'SM-vonage'), 'accepted', meta.otpExpiresAt);
    // What the previous release left: its own name for the routes receipts ruled out, nothing under the new one.
    const key = keyspace.delivery(meta.eventId);
    await redis.hset(key, 'state', 'retrying', 'reroute', JSON.stringify({ sms: { providers: ['twilio'] } }));
    assert.equal(await redis.hexists(key, 'exclusions'), 0);
    assert.deepEqual((await store.get(meta.eventId))?.exclusions, { sms: { providers: ['twilio'] } });
    const begun = await store.beginAttempt(meta, 'vonage', 10_000);
    assert.equal(begun.decision, 'go');
    assert.deepEqual(begun.decision === 'go' && begun.exclusions, { sms: { providers: ['twilio'] } });

    // A receipt handled by this release adds to what the old one wrote, under both names (its workers read `reroute`).
    await store.settleAccepted(
      {
        kind: 'accepted',
        eventId: meta.eventId,
        provider: 'vonage',
        providerMessageId: 'V-1',
        at: Date.now(),
      },
      { ...sendJobOf(meta), sealed: 'sealed' },
      {
        provider: 'vonage',
        channel: 'sms',
        startedAt: 1,
        finishedAt: 2,
        result: 'accepted',
        status: 'accepted',
      },
    );
    const reopened = await store.reopenForResend(
      meta.eventId,
      { provider: 'vonage', channel: 'sms', providerMessageId: 'V-1' },
      { minUsefulMs: 5_000, numberBad: true, suggestsVoice: false, reason: 'vonage sms failed 3' },
    );
    assert.equal(reopened.decision, 'reroute');
    const want = { sms: { providers: ['twilio', 'vonage'], closed: true } };
    assert.deepEqual(JSON.parse((await redis.hget(key, 'exclusions')) ?? '{}'), want);
    assert.deepEqual(JSON.parse((await redis.hget(key, 'reroute')) ?? '{}'), want);
    assert.deepEqual((await store.get(meta.eventId))?.exclusions, want);
  });
});

function sendJobOf(meta: DeliveryMeta): SendJob {
  return {
    version: 1,
    eventId: meta.eventId,
    deliveryId: meta.deliveryId,
    channel: meta.channel,
    requestType: meta.requestType,
    otpExpiresAt: meta.otpExpiresAt,
    receivedAt: Date.now(),
    phoneMasked: meta.phoneMasked,
    sealed: '',
  };
}
