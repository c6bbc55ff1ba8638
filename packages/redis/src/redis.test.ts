import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { QUEUE_CATALOG, statusJobIdFor } from '@byot/contracts';
import { eventually, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import { closeRedis, createRedisConnection, waitUntilReady } from './connections.ts';
import { createKeyspace } from './keyspace.ts';
import {
  cleanExpiredJobs,
  closeQueue,
  createSendQueue,
  createStatusQueue,
  enqueue,
  enqueueBulk,
} from './queues.ts';
import { startWorker } from './workers.ts';

describe('keyspace', () => {
  it('wraps the prefix in a hash tag for Redis Cluster', () => {
    assert.equal(createKeyspace('byot').delivery('e1'), 'byot:delivery:e1');
    const clustered = createKeyspace('byot', true);
    assert.equal(clustered.prefix, '{byot}');
    assert.equal(clustered.delivery('e1'), '{byot}:delivery:e1');
    assert.equal(clustered.outcomesChannel, '{byot}:outcomes');
  });
});

describe('keyspace for many tenants', () => {
  it("keeps the single-org breaker keys, gives each provider account its own, and namespaces tenants' keys", () => {
    const keyspace = createKeyspace('byot');
    assert.equal(keyspace.breaker('twilio', 'sms'), 'byot:breaker:sms:twilio');
    assert.equal(keyspace.breaker('twilio', 'sms', '3f2a1b0c9d8e'), 'byot:breaker:sms:twilio@3f2a1b0c9d8e');
    assert.equal(keyspace.fairShareBacklog('sms-send', 'acme'), 'byot:fair:sms-send:acme');
    assert.equal(keyspace.usageDay('acme', '2026-03-01'), 'byot:usage:acme:2026-03-01');
    assert.equal(createKeyspace('byot', true).usageTenants(), '{byot}:usage-tenants');
  });
});

describe('connections and queues against a real Redis', () => {
  let url: string;
  before(async () => {
    url = (await sharedTestRedis()).url;
  });

  it('a producer fails fast when Redis is unreachable instead of queueing commands', async () => {
    const producer = createRedisConnection({ url: 'redis://127.0.0.1:1', role: 'producer', name: 't' });
    producer.on('error', () => {});
    const started = performance.now();
    await assert.rejects(producer.ping());
    assert.ok(performance.now() - started < 200);
    await closeRedis(producer);
  });

  it('send queues drop finished jobs so no sealed payload lingers', async () => {
    const conn = createRedisConnection({ url, role: 'producer', name: 't' });
    await waitUntilReady(conn);
    const keyspace = createKeyspace(uniquePrefix('queues'));
    const queue = createSendQueue('sms', conn, keyspace);
    const job = await queue.add('send', { sealed: 'x' } as never, { jobId: 'evt-a' });
    assert.deepEqual(job.opts.removeOnComplete, true);
    assert.deepEqual(job.opts.removeOnFail, true);
    const duplicate = await queue.add('send', { sealed: 'y' } as never, { jobId: 'evt-a' });
    assert.equal(duplicate.id, 'evt-a');
    assert.equal(await queue.count(), 1);
    await closeQueue(queue);
    await closeRedis(conn);
  });

  it('the janitor removes waiting jobs older than the longest OTP lifetime, and keeps fresh ones', async () => {
    const conn = createRedisConnection({ url, role: 'producer', name: 't' });
    await waitUntilReady(conn);
    const queue = createSendQueue('sms', conn, createKeyspace(uniquePrefix('janitor')));
    await queue.add('send', { sealed: 'old' } as never, {
      jobId: 'evt-old',
      timestamp: Date.now() - 3_600_000,
    });
    await queue.add('send', { sealed: 'old' } as never, {
      jobId: 'evt-old-delayed',
      delay: 60_000,
      timestamp: Date.now() - 3_600_000,
    });
    await queue.add('send', { sealed: 'new' } as never, { jobId: 'evt-new' });
    assert.equal(await cleanExpiredJobs(queue, 1_800_000), 2);
    assert.deepEqual(
      (await queue.getJobs(['wait', 'delayed'])).map((j) => j.id),
      ['evt-new'],
    );
    await closeQueue(queue);
    await closeRedis(conn);
  });
});

describe('the queue catalog on BullMQ', () => {
  let url: string;
  before(async () => {
    url = (await sharedTestRedis()).url;
  });

  it('enqueue names each job as the catalog says, and startWorker hands each name to its kind’s handler', async () => {
    const producer = createRedisConnection({ url, role: 'producer', name: 't' });
    const consumer = createRedisConnection({ url, role: 'worker', name: 't-worker' });
    await waitUntilReady(producer);
    const keyspace = createKeyspace(uniquePrefix('catalog'));
    const queue = createStatusQueue(producer, keyspace);
    const event = {
      version: 1,
      provider: 'vonage',
      channel: 'sms',
      providerMessageId: 'M1',
      status: 'delivered',
      rawStatus: 'delivered',
      occurredAt: 1,
      receivedAt: 1,
    } as const;
    await enqueueBulk(queue, 'receipt', [{ payload: event, options: { jobId: statusJobIdFor(event) } }]);
    await enqueueBulk(queue, 'receipt', [{ payload: event, options: { jobId: statusJobIdFor(event) } }]);
    await enqueue(queue, 'deadline', {
      version: 1,
      kind: 'receipt-deadline',
      provider: 'vonage',
      providerMessageId: 'M1',
    });
    assert.deepEqual((await queue.getJobs(['wait'])).map((j) => j.name).sort(), [
      'receipt-deadline',
      'vonage.sms',
    ]);

    const seen: string[] = [];
    const worker = startWorker(
      QUEUE_CATALOG.status,
      {
        receipt: async (job) => void seen.push(`receipt ${job.data.provider}`),
        deadline: async (job) => void seen.push(`deadline ${job.data.providerMessageId}`),
      },
      {
        connection: consumer,
        keyspace,
        concurrency: 1,
        settings: QUEUE_CATALOG.status.worker(),
        onError: () => {},
      },
    );
    assert.equal(worker.opts.lockDuration, 15_000);
    void worker.run();
    await eventually(() => assert.deepEqual(seen.sort(), ['deadline M1', 'receipt vonage']));
    await worker.close();
    await closeQueue(queue);
    await closeRedis(producer);
    await closeRedis(consumer);
  });
});
