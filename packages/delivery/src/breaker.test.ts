import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import { type BreakerTransition, CircuitBreakers } from './breaker.ts';

let a: Redis;
let b: Redis;
before(async () => {
  const { url } = await sharedTestRedis();
  a = createRedisConnection({ url, role: 'worker', name: 'worker-a' });
  b = createRedisConnection({ url, role: 'worker', name: 'worker-b' });
});
after(async () => {
  await closeRedis(a);
  await closeRedis(b);
});

const settings = { failureThreshold: 3, windowMs: 10_000, cooldownMs: 5_000, probeTimeoutMs: 2_000 };

describe('CircuitBreakers shared through Redis', () => {
  it('opens for every replica after repeated failures, lets one probe through, and closes on its success', async () => {
    const keyspace = createKeyspace(uniquePrefix('breaker'));
    const transitions: BreakerTransition[] = [];
    const workerA = new CircuitBreakers(a, keyspace, settings, (t) => transitions.push(t));
    const workerB = new CircuitBreakers(b, keyspace, settings);
    const t0 = 1_000_000;
    assert.equal(await workerA.decide('twilio', 'sms', t0), 'allow');
    await workerA.recordFailure('twilio', 'sms', t0);
    await workerB.recordFailure('twilio', 'sms', t0 + 10);
    assert.equal(await workerB.decide('twilio', 'sms', t0 + 20), 'allow');
    assert.equal(await workerA.recordFailure('twilio', 'sms', t0 + 30), 'open');
    // Both replicas now skip the provider during the cool-down.
    assert.equal(await workerA.decide('twilio', 'sms', t0 + 100), 'skip');
    assert.equal(await workerB.decide('twilio', 'sms', t0 + 4_000), 'skip');
    // After it, exactly one probe goes through.
    const probes = await Promise.all([
      workerA.decide('twilio', 'sms', t0 + 5_100),
      workerB.decide('twilio', 'sms', t0 + 5_100),
    ]);
    assert.deepEqual(probes.sort(), ['probe', 'skip']);
    await workerB.recordSuccess('twilio', 'sms', t0 + 5_200);
    assert.equal(await workerA.decide('twilio', 'sms', t0 + 5_300), 'allow');
    // Worker A saw the breaker open (it recorded the failure that opened it); the probe went to either worker.
    assert.equal(`${transitions[0]?.from}->${transitions[0]?.to}`, 'closed->open');
    const [snap] = await workerA.snapshot([{ provider: 'twilio', channel: 'sms' }]);
    assert.equal(snap?.state, 'closed');
  });

  it('a failed probe opens it again for another cool-down', async () => {
    const keyspace = createKeyspace(uniquePrefix('breaker'));
    const breakers = new CircuitBreakers(a, keyspace, settings);
    const t0 = 2_000_000;
    for (let i = 0; i < 3; i++) await breakers.recordFailure('vonage', 'sms', t0 + i);
    assert.equal(await breakers.decide('vonage', 'sms', t0 + 6_000), 'probe');
    assert.equal(await breakers.recordFailure('vonage', 'sms', t0 + 6_100), 'open');
    assert.equal(await breakers.decide('vonage', 'sms', t0 + 6_200), 'skip');
    assert.equal(await breakers.decide('vonage', 'sms', t0 + 11_200), 'probe');
  });

  it('forgets failures older than the window, and keeps channels apart', async () => {
    const keyspace = createKeyspace(uniquePrefix('breaker'));
    const breakers = new CircuitBreakers(a, keyspace, settings);
    const t0 = 3_000_000;
    await breakers.recordFailure('twilio', 'sms', t0);
    await breakers.recordFailure('twilio', 'sms', t0 + 1);
    assert.equal(await breakers.recordFailure('twilio', 'sms', t0 + 20_000), 'closed');
    for (let i = 0; i < 3; i++) await breakers.recordFailure('twilio', 'voice', t0 + i);
    assert.equal(await breakers.decide('twilio', 'voice', t0 + 10), 'skip');
    assert.equal(await breakers.decide('twilio', 'sms', t0 + 20_010), 'allow');
  });
});
