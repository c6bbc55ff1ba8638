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

/** EVALSHA/EVAL calls Redis has served so far (INFO commandstats): one per script round trip. */
async function scriptCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const [, , n] of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(n);
  return calls;
}

describe('a success on a clean breaker is not written', () => {
  it('costs no round trip after a gate that saw it closed with no failures, and the breaker stays closed', async () => {
    const keyspace = createKeyspace(uniquePrefix('breaker'));
    const breakers = new CircuitBreakers(a, keyspace, settings);
    const t0 = 4_000_000;
    const gate = await breakers.gate('twilio', 'sms', t0);
    assert.deepEqual(gate, { decision: 'allow', clean: true });
    const before = await scriptCalls(a);
    await breakers.recordSuccess('twilio', 'sms', t0 + 50, undefined, gate);
    assert.equal((await scriptCalls(a)) - before, 0);
    const [snap] = await breakers.snapshot([{ provider: 'twilio', channel: 'sms' }]);
    assert.deepEqual([snap?.state, snap?.failures], ['closed', 0]);
    // Without a gate (or with one that was not clean) the success is written, as before.
    await breakers.recordSuccess('twilio', 'sms', t0 + 60);
    assert.equal((await scriptCalls(a)) - before, 1);
  });

  it('writes it when failures were counted: the success clears them', async () => {
    const keyspace = createKeyspace(uniquePrefix('breaker'));
    const breakers = new CircuitBreakers(a, keyspace, settings);
    const t0 = 5_000_000;
    await breakers.recordFailure('twilio', 'sms', t0);
    await breakers.recordFailure('twilio', 'sms', t0 + 1);
    const gate = await breakers.gate('twilio', 'sms', t0 + 2);
    assert.deepEqual(gate, { decision: 'allow', clean: false });
    await breakers.recordSuccess('twilio', 'sms', t0 + 3, undefined, gate);
    const [snap] = await breakers.snapshot([{ provider: 'twilio', channel: 'sms' }]);
    assert.equal(snap?.failures, 0);
    // Cleared: two more failures do not reach the threshold of three.
    await breakers.recordFailure('twilio', 'sms', t0 + 4);
    assert.equal(await breakers.recordFailure('twilio', 'sms', t0 + 5), 'closed');
  });

  it('writes it after a probe, which closes the breaker for everybody', async () => {
    const keyspace = createKeyspace(uniquePrefix('breaker'));
    const breakers = new CircuitBreakers(a, keyspace, settings);
    const t0 = 6_000_000;
    for (let i = 0; i < 3; i++) await breakers.recordFailure('vonage', 'sms', t0 + i);
    const gate = await breakers.gate('vonage', 'sms', t0 + 6_000);
    assert.deepEqual(gate, { decision: 'probe', clean: false });
    await breakers.recordSuccess('vonage', 'sms', t0 + 6_100, undefined, gate);
    assert.deepEqual(await breakers.gate('vonage', 'sms', t0 + 6_200), { decision: 'allow', clean: true });
  });

  it('counts the window from the first failure after a reset, whether or not the last success was written', async () => {
    // Two breakers with the same history, one whose successes are all written (no gate), one whose clean
    // successes are skipped: every later decision must be the same.
    const written = new CircuitBreakers(a, createKeyspace(uniquePrefix('breaker')), settings);
    const skipped = new CircuitBreakers(b, createKeyspace(uniquePrefix('breaker')), settings);
    const t0 = 7_000_000;
    for (const breakers of [written, skipped]) {
      const gate = await breakers.gate('twilio', 'sms', t0);
      await breakers.recordSuccess(
        'twilio',
        'sms',
        t0 + 9_000,
        undefined,
        breakers === skipped ? gate : undefined,
      );
    }
    // Three failures within 10 s of each other but straddling the success's windowStart + 10 s: they open both.
    const history = [t0 + 9_500, t0 + 15_000, t0 + 19_400];
    const states = await Promise.all(
      [written, skipped].map(async (breakers) => {
        const seen: string[] = [];
        for (const at of history) seen.push(await breakers.recordFailure('twilio', 'sms', at));
        return seen.join(',');
      }),
    );
    assert.deepEqual(states, ['closed,closed,open', 'closed,closed,open']);
  });
});
