import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { eventually, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULLMQ_MAX_PRIORITY, FairShare, type FairShareKeys } from './fair-share.ts';

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
          ? await fair.admit({ queue: 'sms-send', tenant, jobId, expiresAt: Date.now() + 300_000 })
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
    const admit = (jobId: string, expiresAt: number) =>
      fair.admit({ queue: 'q', tenant: 'acme', jobId, expiresAt });
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
    assert.equal(await fair.admit({ queue: 'q', tenant: 'globex', jobId: 'j1', expiresAt: now + 1_000 }), 1);
    assert.equal(
      await fair.admit({ queue: 'other', tenant: 'acme', jobId: 'j1', expiresAt: now + 1_000 }),
      1,
    );
    assert.equal(BULLMQ_MAX_PRIORITY, 2_097_151);
  });
});
