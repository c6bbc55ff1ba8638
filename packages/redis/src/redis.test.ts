import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { QUEUE_CATALOG, statusJobIdFor } from '@byot/contracts';
import { eventually, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import { Queue } from 'bullmq';
import { closeRedis, createRedisConnection, waitUntilReady } from './connections.ts';
import { createKeyspace, keySlot, keyspaceFromConfig } from './keyspace.ts';
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

describe('key layouts (ADR 0017)', () => {
  it('keeps every key name of one Redis by default, so a rolling upgrade finds what it left', () => {
    const keyspace = keyspaceFromConfig({ REDIS_KEY_PREFIX: 'byot', REDIS_CLUSTER_HASH_TAG: false });
    assert.equal(keyspace.layout, 'single');
    assert.equal(keyspace.queuePrefix('sms-send'), 'byot');
    assert.equal(keyspace.delivery('e1'), 'byot:delivery:e1');
    assert.equal(keyspace.attempts('e1'), 'byot:attempts:e1');
    assert.equal(keyspace.resend('e1'), 'byot:resend:e1');
    assert.equal(keyspace.breaker('twilio', 'sms'), 'byot:breaker:sms:twilio');
    assert.equal(keyspace.deliveryFeed('default'), 'byot:feed:default');
    assert.equal(keyspace.hookEntry('default', 'e1'), 'byot:hook:default:e1');
    assert.equal(keyspace.providerStats(5), 'byot:pstats:5');
    assert.equal(keyspace.fraud('default'), 'byot:fraud:{default}');
  });

  it('chooses the cluster layout on a Cluster, and keeps the old one-tag layout for those who set it', () => {
    const nodes = [{ host: 'a', port: 7000 }];
    assert.equal(
      keyspaceFromConfig({
        REDIS_KEY_PREFIX: 'byot',
        REDIS_CLUSTER_HASH_TAG: false,
        REDIS_CLUSTER_NODES: nodes,
      }).layout,
      'cluster',
    );
    assert.equal(
      keyspaceFromConfig({
        REDIS_KEY_PREFIX: 'byot',
        REDIS_CLUSTER_HASH_TAG: false,
        REDIS_KEY_LAYOUT: 'cluster',
      }).layout,
      'cluster',
    );
    const tagged = keyspaceFromConfig({
      REDIS_KEY_PREFIX: 'byot',
      REDIS_CLUSTER_HASH_TAG: true,
      REDIS_CLUSTER_NODES: nodes,
    });
    assert.equal(tagged.layout, 'tagged');
    assert.equal(tagged.queuePrefix('sms-send'), '{byot}');
  });

  it('cluster layout: what one script, MULTI or pipeline touches shares a slot; the rest spreads', () => {
    const k = createKeyspace('byot', 'cluster');
    const same = (...keys: string[]) => new Set(keys.map(keySlot)).size === 1;
    // BullMQ: one queue's keys together, queues apart.
    assert.ok(same(`${k.queuePrefix('sms-send')}:sms-send:wait`, `${k.queuePrefix('sms-send')}:sms-send:id`));
    assert.ok(!same(`${k.queuePrefix('sms-send')}:x`, `${k.queuePrefix('voice-send')}:x`));
    assert.ok(!same(`${k.queuePrefix('sms-send')}:x`, `${k.queuePrefix('delivery-status')}:x`));
    // One delivery's record scripts; deliveries and tenants apart.
    assert.ok(same(k.delivery('acme.e1'), k.attempts('acme.e1'), k.resend('acme.e1')));
    assert.ok(!same(k.delivery('acme.e1'), k.delivery('acme.e2')));
    // One tenant's console index (one pipeline per hook), tenants apart.
    assert.ok(same(k.deliveryFeed('acme'), k.hookEntry('acme', 'e1'), k.personIndex('acme', 'd1')));
    assert.ok(!same(k.deliveryFeed('acme'), k.deliveryFeed('globex')));
    // One tenant's fraud keys (the guard appends to this prefix), tenants apart.
    assert.ok(same(`${k.fraud('acme')}:c:x`, `${k.fraud('acme')}:holds`));
    assert.ok(!same(k.fraud('acme'), k.fraud('globex')));
    // A tenant's waiting line and send pace are read and written by one script; tenants and queues spread.
    assert.ok(same(k.fairShareBacklog('sms-send', 'acme'), k.fairSharePace('sms-send', 'acme')));
    assert.ok(!same(k.fairShareBacklog('sms-send', 'acme'), k.fairShareBacklog('sms-send', 'globex')));
    // Breakers read in one pipeline; the console's provider figures written in one.
    assert.ok(same(k.breaker('twilio', 'sms'), k.breaker('vonage', 'voice', 'abc')));
    assert.ok(same(k.providerStats(1), k.providerStats(2), k.providerRoutes));
    assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
    assert.equal(keySlot('foo'), 12182); // CLUSTER KEYSLOT foo
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

  it('a rolling upgrade on one Redis loses nothing: jobs queued the old way are consumed under the default layout', async () => {
    const conn = createRedisConnection({ url, role: 'producer', name: 't' });
    const workerConn = createRedisConnection({ url, role: 'worker', name: 't' });
    await Promise.all([waitUntilReady(conn), waitUntilReady(workerConn)]);
    const prefix = uniquePrefix('upgrade');
    // Exactly what the release before ADR 0017 did: BullMQ's prefix = REDIS_KEY_PREFIX, queue named by the catalog.
    const before = new Queue(QUEUE_CATALOG.sms.name, { connection: conn, prefix });
    await before.add('send', { sealed: 'queued-before-the-upgrade' }, { jobId: 'evt-old-release' });
    await conn.hset(`${prefix}:delivery:evt-old-release`, 'state', 'pending');
    // The new release, configured as before (no REDIS_KEY_LAYOUT, no cluster nodes).
    const keyspace = keyspaceFromConfig({ REDIS_KEY_PREFIX: prefix, REDIS_CLUSTER_HASH_TAG: false });
    assert.equal(await conn.hget(keyspace.delivery('evt-old-release'), 'state'), 'pending');
    const seen: string[] = [];
    const worker = startWorker(
      QUEUE_CATALOG.sms,
      { send: async (job) => void seen.push(job.id as string) as never },
      {
        connection: workerConn,
        keyspace,
        concurrency: 1,
        settings: QUEUE_CATALOG.sms.worker({ providerTimeoutMs: 1_000 }),
        onError: () => {},
      },
    );
    void worker.run();
    await eventually(() => assert.deepEqual(seen, ['evt-old-release']), { timeoutMs: 5_000 });
    await worker.close();
    await closeQueue(before);
    await Promise.all([closeRedis(conn), closeRedis(workerConn)]);
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
