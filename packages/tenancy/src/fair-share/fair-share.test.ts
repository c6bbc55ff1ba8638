import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { eventually, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULLMQ_MAX_PRIORITY, FairShare, type FairShareKeys, sendPaceOf } from './fair-share.ts';

/**
 * The share between tenants, proven on a real Redis and a real BullMQ worker by the order in which jobs start
 * (not by timings, which this shared machine cannot promise): a tenant that sends one code while another has
 * hundreds queued waits for no more than the worker's own concurrency, where plain FIFO makes it wait for them all.
 */
let url: string;
let redis: Redis;
before(async () => {
  ({ url } = await sharedTestRedis());
  redis = createRedisConnection({ url, role: 'worker', name: 'fair-share-test' });
});
after(() => closeRedis(redis));

// The deployment's own key layout (@byot/redis), under a prefix of this test's.
const keysFor = (prefix: string): FairShareKeys => createKeyspace(prefix);

interface Started {
  tenant: string;
  index: number;
}

/** A queue and a worker that records the order jobs start in, and leaves the waiting line as a send worker would. */
async function harness(options: { fair: boolean; concurrency: number; serviceMs: number }) {
  const prefix = uniquePrefix('fair');
  const connection = createRedisConnection({ url, role: 'worker', name: 'fair-share-worker' });
  const producer = createRedisConnection({ url, role: 'worker', name: 'fair-share-producer' });
  const queue = new Queue<{ tenant: string }>('sms-send', { connection: producer, prefix });
  const fair = new FairShare(producer, keysFor(prefix));
  const started: Started[] = [];
  const worker = new Worker<{ tenant: string }>(
    'sms-send',
    async (job) => {
      started.push({ tenant: job.data.tenant, index: started.length });
      if (options.fair) await fair.leave('sms-send', job.data.tenant, job.id as string);
      await sleep(options.serviceMs);
    },
    { connection, prefix, concurrency: options.concurrency, autorun: false },
  );
  let seq = 0;
  const enqueue = async (tenant: string, count: number) => {
    const jobs = await Promise.all(
      Array.from({ length: count }, async () => {
        const jobId = `${tenant}-${seq++}`;
        const priority = options.fair
          ? (await fair.admit({ queue: 'sms-send', tenant, jobId, expiresAt: Date.now() + 300_000 })).priority
          : undefined;
        return { name: 'send', data: { tenant }, opts: { jobId, ...(priority ? { priority } : {}) } };
      }),
    );
    await queue.addBulk(jobs);
  };
  return {
    started,
    enqueue,
    fair,
    worker,
    /** Jobs not yet started (waiting or prioritized). */
    waiting: () => queue.count(),
    async close() {
      await worker.close(true);
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await closeRedis(connection);
      await closeRedis(producer);
    },
  };
}

/** How many of the noisy tenant's jobs started after the quiet one's job was queued and before it started. */
async function waitBehind(h: Awaited<ReturnType<typeof harness>>, quiet: string): Promise<number> {
  const queuedAt = h.started.length;
  await h.enqueue(quiet, 1);
  const index = await eventually(
    () => {
      const mine = h.started.find((s) => s.tenant === quiet && s.index >= queuedAt);
      assert.ok(mine, 'the quiet tenant has not started yet');
      return mine.index;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  return index - queuedAt;
}

describe('fair share between tenants on one BullMQ queue', () => {
  it("a quiet tenant jumps a noisy tenant's burst of 2 000: it waits for at most the worker's concurrency", async () => {
    const concurrency = 8;
    const h = await harness({ fair: true, concurrency, serviceMs: 2 });
    try {
      await h.enqueue('acme', 2_000);
      assert.equal(await h.fair.backlog('sms-send', 'acme'), 2_000);
      void h.worker.run();
      const behind: number[] = [];
      for (let i = 0; i < 5; i++) {
        await eventually(() => assert.ok(h.started.length >= 100 * (i + 1)), { timeoutMs: 60_000 });
        behind.push(await waitBehind(h, 'globex'));
      }
      // Jobs already handed to the worker's free slots may start first; nothing else may.
      for (const n of behind)
        assert.ok(n <= concurrency + 1, `globex waited behind ${n} of acme's jobs: ${behind}`);
      // acme's line shrinks as its jobs start; globex's is empty again.
      assert.ok((await h.fair.backlog('sms-send', 'acme')) < 2_000);
      await eventually(async () => assert.equal(await h.fair.backlog('sms-send', 'globex'), 0));
    } finally {
      await h.close();
    }
  });

  it('without it (plain FIFO) the same quiet tenant waits behind the whole burst', async () => {
    const concurrency = 8;
    const h = await harness({ fair: false, concurrency, serviceMs: 1 });
    try {
      await h.enqueue('acme', 600);
      void h.worker.run();
      await eventually(() => assert.ok(h.started.length >= 50), { timeoutMs: 60_000 });
      // Whatever the worker got through meanwhile (a loaded machine is slow to notice), what still waits when
      // globex's code arrives all starts before it: FIFO holds the quiet tenant behind the rest of the burst.
      const waiting = await h.waiting();
      const behind = await waitBehind(h, 'globex');
      assert.ok(waiting >= 100, `the burst was nearly gone (${waiting} waiting) before globex's code came`);
      assert.ok(
        behind >= waiting - concurrency - 1,
        `FIFO let globex past ${waiting - behind} of ${waiting} waiting`,
      );
    } finally {
      await h.close();
    }
  });

  it('two busy tenants interleave, one code each in turn', async () => {
    const h = await harness({ fair: true, concurrency: 1, serviceMs: 0 });
    try {
      await h.enqueue('acme', 200);
      await h.enqueue('initech', 200);
      void h.worker.run();
      await eventually(() => assert.ok(h.started.length >= 100), { timeoutMs: 60_000 });
      const first100 = h.started.slice(0, 100);
      const acme = first100.filter((s) => s.tenant === 'acme').length;
      assert.ok(acme >= 48 && acme <= 52, `acme had ${acme} of the first 100 starts`);
    } finally {
      await h.close();
    }
  });

  it('cannot drift: a lost "leave" counts only until its code expires, and leave is idempotent', async () => {
    let now = Date.now();
    const prefix = uniquePrefix('fair');
    const fair = new FairShare(redis, keysFor(prefix), { now: () => now });
    const admit = async (jobId: string, expiresAt: number) =>
      (await fair.admit({ queue: 'q', tenant: 'acme', jobId, expiresAt })).priority;
    assert.equal(await admit('j1', now + 1_000), 1);
    assert.equal(await admit('j2', now + 5_000), 2);
    assert.equal(await admit('j2', now + 5_000), 2, 'the same job admitted twice counts once');
    assert.equal(await admit('j3', now + 1_000), 3);
    await fair.leave('q', 'acme', 'j3');
    await fair.leave('q', 'acme', 'j3');
    assert.equal(await fair.backlog('q', 'acme'), 2);
    // j1 never left (its worker died): once its code expired it no longer holds acme back.
    now += 2_000;
    assert.equal(await fair.backlog('q', 'acme'), 1);
    assert.equal(await admit('j4', now + 1_000), 2);
    // The set expires with its longest-lived member, and tenants and queues are apart.
    const ttl = await redis.pttl(keysFor(prefix).fairShareBacklog('q', 'acme'));
    assert.ok(ttl > 0);
    assert.deepEqual(
      await fair.admit({ queue: 'q', tenant: 'globex', jobId: 'j1', expiresAt: now + 1_000 }),
      {
        priority: 1,
        delayMs: 0,
      },
    );
    assert.equal(
      (await fair.admit({ queue: 'other', tenant: 'acme', jobId: 'j1', expiresAt: now + 1_000 })).priority,
      1,
    );
    assert.equal(BULLMQ_MAX_PRIORITY, 2_097_151);
  });
});

describe("send pace per tenant (GCRA on Redis's clock, in the same script)", () => {
  const pace = { perSecond: 10, burst: 3, maxDelayMs: 60_000 };
  const paced = (fair: FairShare, tenant: string, jobId: string, p = pace) =>
    fair.admit({ queue: 'sms-send', tenant, jobId, expiresAt: Date.now() + 300_000, pace: p });
  /**
   * Admits codes one after another and checks each delay against the ideal schedule: the pace runs on Redis's
   * clock, so the time the calls themselves took (measured here) may come off the ideal, never more.
   */
  async function schedule(
    fair: FairShare,
    tenant: string,
    ids: string[],
    ideal: number[],
    p = pace,
    started = performance.now(),
  ) {
    const delays: number[] = [];
    for (const id of ids) delays.push((await paced(fair, tenant, id, p)).delayMs);
    const elapsed = performance.now() - started + 2;
    delays.forEach((delay, i) => {
      const want = ideal[i] as number;
      assert.ok(
        delay <= want && delay >= want - elapsed,
        `code ${i} held ${delay} ms, ideal ${want} ms: ${delays}`,
      );
    });
    return delays;
  }

  it('lets a burst go at once, then spaces the rest one interval apart; an idle tenant starts afresh', async () => {
    const fair = new FairShare(redis, keysFor(uniquePrefix('pace')));
    const ids = Array.from({ length: 7 }, (_, i) => `a${i}`);
    const first = performance.now();
    // burst 3 at once, then 100 ms apart (10 a second).
    const delays = await schedule(fair, 'acme', ids, [0, 0, 0, 100, 200, 300, 400]);
    assert.deepEqual(delays.slice(0, 3), [0, 0, 0]);
    // 250 ms later the slots already handed out stand; the next one follows them (500 ms after the first).
    await sleep(250);
    await schedule(fair, 'acme', ['a7'], [250], pace, first);
    // After a quiet spell (the last slot is past) the tenant has its whole burst again.
    await sleep(1_000);
    await schedule(fair, 'acme', ['b0', 'b1', 'b2', 'b3'], [0, 0, 0, 100]);
  });

  it("is per tenant: one tenant's spent pace holds back none of another's codes", async () => {
    const fair = new FairShare(redis, keysFor(uniquePrefix('pace')));
    const ids = Array.from({ length: 51 }, (_, i) => `a${i}`);
    const delays = await schedule(
      fair,
      'acme',
      ids,
      ids.map((_, i) => Math.max(0, (i - 2) * 100)),
    );
    assert.ok((delays.at(-1) ?? 0) > 4_000, `acme's 51st code held only ${delays.at(-1)} ms`);
    assert.deepEqual(await paced(fair, 'globex', 'g0'), { priority: 1, delayMs: 0 });
  });

  it('never holds a code longer than maxDelayMs, and a duplicate of a queued code takes no second slot', async () => {
    const fair = new FairShare(redis, keysFor(uniquePrefix('pace')));
    const tight = { perSecond: 1, burst: 1, maxDelayMs: 2_500 };
    const ids = ['a0', 'a1', 'a2', 'a3', 'a4'];
    const delays = await schedule(fair, 'acme', ids, [0, 1_000, 2_000, 2_500, 2_500], tight);
    assert.deepEqual(delays.slice(3), [2_500, 2_500], 'held at most maxDelayMs');
    // Okta's retry of a2 (same job id, still waiting): no slot taken.
    assert.equal((await paced(fair, 'acme', 'a2', tight)).delayMs, 0);
    const fresh = new FairShare(redis, keysFor(uniquePrefix('pace')));
    assert.equal((await paced(fresh, 'acme', 'x', { ...tight, perSecond: 0 })).delayMs, 0, 'no pace');
  });
});

describe("a tenant's pace: its own or the deployment's", () => {
  it("takes the tenant's sendPace over the deployment's, defaults the burst to a fifth of a second, 0 is off", () => {
    assert.deepEqual(sendPaceOf(undefined, { perSecond: 50 }), { perSecond: 50, burst: 10 });
    assert.deepEqual(sendPaceOf({ perSecond: 20, burst: 40 }, { perSecond: 50 }), {
      perSecond: 20,
      burst: 40,
    });
    assert.deepEqual(sendPaceOf({ perSecond: 2 }, { perSecond: 50, burst: 99 }), { perSecond: 2, burst: 1 });
    assert.equal(
      sendPaceOf({ perSecond: 0 }, { perSecond: 50 }),
      undefined,
      "the tenant's 0 turns its pace off",
    );
    assert.equal(sendPaceOf(undefined, { perSecond: 0 }), undefined);
  });
});
