import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import { bucketUpperMs, latencyBucket, quantileMs } from './latency-histogram.ts';
import { ProviderStatsReader, ProviderStatsRecorder } from './provider-stats.ts';

let redis: Redis;

before(async () => {
  redis = createRedisConnection({ url: (await sharedTestRedis()).url, role: 'worker', name: 'test-stats' });
});
after(async () => {
  await closeRedis(redis);
});

describe('latency histogram', () => {
  it('puts a duration in the bucket whose bounds hold it, within 10 %', () => {
    for (const ms of [0, 0.5, 1, 1.05, 37, 250, 999, 5_000, 299_999]) {
      const upper = bucketUpperMs(latencyBucket(ms));
      assert.ok(upper >= ms, `${ms} ms ≤ its bucket's bound ${upper}`);
      assert.ok(ms <= 1 || upper <= ms * 1.1 + 1e-9, `${ms} ms: bound ${upper} within 10 %`);
    }
    assert.equal(latencyBucket(10 * 60_000), latencyBucket(300_000), 'beyond 5 min: the last bucket');
  });

  it('reads quantiles by rank', () => {
    const counts = new Map<number, number>();
    for (let ms = 1; ms <= 100; ms++) {
      const b = latencyBucket(ms * 10);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    const p50 = quantileMs(counts, 0.5) as number;
    const p99 = quantileMs(counts, 0.99) as number;
    assert.ok(p50 >= 500 && p50 <= 550, `p50 ${p50}`);
    assert.ok(p99 >= 990 && p99 <= 1_089, `p99 ${p99}`);
    assert.equal(quantileMs(new Map(), 0.5), undefined);
  });
});

describe('provider stats', () => {
  // 10 s into the current minute: the reads below stay in the minute the writes were counted in.
  const at = Math.floor(Date.now() / 60_000) * 60_000 + 10_000;

  it('counts attempts, latency and receipts per route and minute, and reads the last 15 minutes', async () => {
    const keyspace = createKeyspace(uniquePrefix('pstats'));
    let now = at - 20 * 60_000; // outside the 15-minute window, inside the hour's chart
    const recorder = new ProviderStatsRecorder(redis, keyspace, { now: () => now });
    recorder.registerRoutes([
      { tenant: 'default', channel: 'sms', provider: 'twilio', credentialSet: 'default' },
      { tenant: 'default', channel: 'sms', provider: 'vonage', credentialSet: 'default' },
    ]);
    const attempt = (provider: string, outcome: string, durationMs: number) =>
      recorder.events.attempt({ provider, channel: 'sms', outcome, durationMs });

    attempt('twilio', 'unavailable', 5_000);
    now = at;
    for (let i = 0; i < 98; i++) attempt('twilio', 'accepted', 100);
    attempt('twilio', 'accepted', 2_000);
    attempt('twilio', 'rate-limited', 30);
    attempt('twilio', 'skipped-open', 0);
    recorder.events.receipt({ provider: 'twilio', channel: 'sms', status: 'delivered', applied: true });
    recorder.events.receipt({ provider: 'twilio', channel: 'sms', status: 'delivered', applied: false });
    recorder.events.receipt({ provider: 'twilio', channel: 'sms', status: 'undelivered', applied: true });
    // Another worker process, same route: the figures add up.
    const other = new ProviderStatsRecorder(redis, keyspace, { now: () => now });
    other.events.attempt({ provider: 'twilio', channel: 'sms', outcome: 'accepted', durationMs: 100 });
    await Promise.all([recorder.flush(), other.flush()]);

    const health = await new ProviderStatsReader(redis, keyspace).read({ now: at + 1_000 });
    assert.deepEqual(
      health.map((h) => h.route.provider),
      ['twilio', 'vonage'],
      'the idle backup is listed too',
    );
    const twilio = health[0];
    assert.ok(twilio);
    assert.equal(
      twilio.window.sends,
      101,
      'skipped-open is not a send; the older failure is outside the window',
    );
    assert.equal(twilio.window.accepted, 100);
    assert.equal(twilio.window.failures, 1);
    assert.deepEqual(twilio.window.byOutcome, { accepted: 100, 'rate-limited': 1, 'skipped-open': 1 });
    assert.deepEqual(twilio.window.receipts, { delivered: 1, undelivered: 1 }, 'duplicates are not counted');
    assert.ok(twilio.window.p50Ms && twilio.window.p50Ms >= 100 && twilio.window.p50Ms <= 110);
    assert.ok(twilio.window.p99Ms && twilio.window.p99Ms >= 100 && twilio.window.p99Ms <= 110);
    assert.equal(twilio.perMinute.length, 60);
    assert.equal(twilio.perMinute.at(-1)?.accepted, 100);
    assert.equal(twilio.perMinute.at(-1)?.failed, 1);
    assert.equal(twilio.perMinute.at(-21)?.failed, 1, 'the failure 20 minutes ago is on the chart');
    const vonage = health[1];
    assert.equal(vonage?.window.sends, 0);
    assert.equal(vonage?.window.p99Ms, undefined);

    const ttl = await redis.pttl(keyspace.providerStats(Math.floor(at / 60_000)));
    assert.ok(ttl > 0, 'minute buckets expire');
  });

  it('shows a tenant viewer its own routes only, and drops labels it cannot keep apart', async () => {
    const keyspace = createKeyspace(uniquePrefix('pstats'));
    const recorder = new ProviderStatsRecorder(redis, keyspace, { now: () => at });
    recorder.events.attempt({ provider: 'twilio', channel: 'sms', outcome: 'accepted', durationMs: 50 });
    recorder.events.attempt({
      provider: 'twilio',
      channel: 'sms',
      outcome: 'accepted',
      durationMs: 50,
      tenant: 'acme',
      credentialSet: 'acme-sub',
    });
    recorder.events.attempt({ provider: 'tw|ilio', channel: 'sms', outcome: 'accepted', durationMs: 50 });
    await recorder.flush();
    const reader = new ProviderStatsReader(redis, keyspace);
    const all = await reader.read({ now: at });
    assert.deepEqual(all.map((h) => `${h.route.tenant}/${h.route.credentialSet}`).sort(), [
      'acme/acme-sub',
      'default/default',
    ]);
    const acme = await reader.read({ now: at, tenants: ['acme'] });
    assert.deepEqual(
      acme.map((h) => h.route.tenant),
      ['acme'],
    );
  });

  it('flushes on stop and writes nothing when nothing happened', async () => {
    const keyspace = createKeyspace(uniquePrefix('pstats'));
    const recorder = new ProviderStatsRecorder(redis, keyspace, { now: () => at, flushIntervalMs: 60_000 });
    await recorder.flush();
    assert.equal(await redis.exists(keyspace.providerRoutes), 0);
    recorder.start();
    recorder.events.attempt({ provider: 'twilio', channel: 'voice', outcome: 'accepted', durationMs: 80 });
    await recorder.stop();
    const [health] = await new ProviderStatsReader(redis, keyspace).read({ now: at });
    assert.equal(health?.route.channel, 'voice');
    assert.equal(health?.window.accepted, 1);
  });
});
