import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QUEUE_CATALOG } from '@byot/contracts';
import {
  ClusterTopology,
  eventually,
  findRedisServerBinary,
  RedisServerProcess,
  SentinelTopology,
  uniquePrefix,
} from '@byot/testkit';
import type { Redis } from 'ioredis';
import { closeRedis, createRedisConnection, waitUntilReady } from './connections.ts';
import { createKeyspace, keySlot } from './keyspace.ts';
import { closeQueue, createSendQueue } from './queues.ts';
import { defineScript, UNPACK_ARGS } from './scripts.ts';
import { describeRedisTarget, type RedisTarget, redisTargetFromConfig } from './target.ts';
import { startWorker } from './workers.ts';

const SETTINGS = QUEUE_CATALOG.sms.worker({ providerTimeoutMs: 1_000 });
// Topologies are started from the redis-server binary (a Docker-only machine runs the single-Redis tests only).
const NO_BINARY = findRedisServerBinary() === undefined && 'no redis-server binary (topologies need it)';

/** Adds until an add succeeds (a producer fails fast while no master exists), returning how long that took. */
async function addUntilAccepted(add: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await Promise.race([
        add(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('attempt timed out')), 2_000).unref()),
      ]);
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('a password is sent and never shown', { skip: NO_BINARY }, () => {
  it('connects with REDIS_PASSWORD; the description of the target has no secret', async () => {
    const server = await RedisServerProcess.start({ extraArgs: ['--requirepass', 's3cret-pass'] });
    try {
      const target = redisTargetFromConfig({ REDIS_URL: server.url, REDIS_PASSWORD: 's3cret-pass' });
      const redis = createRedisConnection({ target, role: 'producer', name: 't' });
      await waitUntilReady(redis);
      assert.equal(await redis.ping(), 'PONG');
      await closeRedis(redis);
      const withUserinfo = redisTargetFromConfig({
        REDIS_URL: `redis://:s3cret-pass@${server.host}:${server.port}`,
      });
      assert.ok(!JSON.stringify(describeRedisTarget(withUserinfo)).includes('s3cret'));
      assert.ok(!JSON.stringify(describeRedisTarget(target)).includes('s3cret'));
    } finally {
      await server.stop();
    }
  });
});

describe('Redis Sentinel (with passwords on the data nodes and the sentinels): every connection follows a failover', {
  skip: NO_BINARY,
}, () => {
  let topology: SentinelTopology;
  let target: RedisTarget;
  before(async () => {
    topology = await SentinelTopology.start({
      downAfterMs: 1_000,
      password: 'data-s3cret',
      sentinelPassword: 'sentinel-s3cret',
    });
    const sentinels = topology.sentinels.map((s) => ({ host: s.host, port: s.port }));
    target = redisTargetFromConfig({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_SENTINELS: sentinels,
      REDIS_SENTINEL_MASTER: topology.masterName,
      REDIS_PASSWORD: 'data-s3cret',
      REDIS_SENTINEL_PASSWORD: 'sentinel-s3cret',
    });
    assert.ok(!JSON.stringify(describeRedisTarget(target)).includes('s3cret'));
  });
  after(async () => topology?.stop());

  it('a producer and a BullMQ worker keep going after the master is SIGKILLed, without a restart', async () => {
    const producer = createRedisConnection({
      target,
      role: 'producer',
      name: 'byot:test:producer',
      commandTimeoutMs: 300,
    });
    const workerConn = createRedisConnection({ target, role: 'worker', name: 'byot:test:worker' });
    for (const c of [producer, workerConn]) c.on('error', () => {});
    await Promise.all([waitUntilReady(producer), waitUntilReady(workerConn)]);
    const keyspace = createKeyspace(uniquePrefix('sentinel'));
    const queue = createSendQueue('sms', producer, keyspace);
    queue.on('error', () => {});
    const done = new Set<string>();
    const worker = startWorker(
      QUEUE_CATALOG.sms,
      { send: async (job) => void done.add(job.id as string) as never },
      { connection: workerConn, keyspace, concurrency: 4, settings: SETTINGS, onError: () => {} },
    );
    void worker.run();
    await queue.add('send', { sealed: 'x' } as never, { jobId: 'before' });
    await eventually(() => assert.ok(done.has('before')), { timeoutMs: 5_000 });

    const old = await topology.masterNode();
    await old.kill('SIGKILL');
    const killedAt = Date.now();
    // While no master exists the producer fails fast (the ingress's 503 rule), then writes to the promoted one.
    const started = Date.now();
    await assert.rejects(producer.set(`${keyspace.prefix}:probe`, '1'));
    assert.ok(Date.now() - started < 1_000, 'fails fast while the master is gone');
    const waited = await addUntilAccepted(
      () => queue.add('send', { sealed: 'y' } as never, { jobId: 'after' }),
      30_000,
    );
    // Every sentinel agrees on a new master (they learn it one after another).
    const promoted = await topology.waitForNewMaster(old.port);
    assert.notEqual(promoted.port, old.port);
    await eventually(() => assert.ok(done.has('after')), { timeoutMs: 15_000 });
    // The producer's own connection (not a new one) writes to the new master.
    assert.equal(await producer.set(`${keyspace.prefix}:probe`, '2'), 'OK');
    process.stderr.write(
      `sentinel failover: producer writing again ${waited} ms after the kill (${Date.now() - killedAt} ms to the worker's job)\n`,
    );
    await worker.close();
    await closeQueue(queue);
    await Promise.all([closeRedis(producer), closeRedis(workerConn)]);
  });
});

describe('Redis Cluster: queues and scripts on one slot each, spread over the shards', {
  skip: NO_BINARY,
}, () => {
  let cluster: ClusterTopology;
  let target: RedisTarget;
  const connections: Redis[] = [];
  before(async () => {
    cluster = await ClusterTopology.start();
    target = redisTargetFromConfig({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: cluster.nodes.slice(0, 2).map((n) => ({ host: n.host, port: n.port })),
    });
  });
  after(async () => {
    await Promise.all(connections.map((c) => closeRedis(c)));
    await cluster?.stop();
  });
  const connect = async (role: 'producer' | 'worker') => {
    const c = createRedisConnection({ target, role, name: `byot:test:${role}` });
    c.on('error', () => {});
    connections.push(c);
    await waitUntilReady(c, 10_000);
    return c;
  };

  it('BullMQ queues run on the cluster, each queue in its own slot', async () => {
    const producer = await connect('producer');
    const workerConn = await connect('worker');
    const keyspace = createKeyspace(uniquePrefix('cluster'), 'cluster');
    const sms = createSendQueue('sms', producer, keyspace);
    const voice = createSendQueue('voice', producer, keyspace);
    assert.notEqual(
      keySlot(`${keyspace.queuePrefix('sms-send')}:x`),
      keySlot(`${keyspace.queuePrefix('voice-send')}:x`),
    );
    const done: string[] = [];
    const worker = startWorker(
      QUEUE_CATALOG.sms,
      { send: async (job) => void done.push(job.id as string) as never },
      { connection: workerConn, keyspace, concurrency: 4, settings: SETTINGS, onError: () => {} },
    );
    void worker.run();
    for (let i = 0; i < 20; i++)
      await sms.add('send', { sealed: 'x' } as never, { jobId: `e${i}`, delay: i % 3 === 0 ? 50 : 0 });
    await voice.add('send', { sealed: 'v' } as never, { jobId: 'v1' });
    await eventually(() => assert.equal(done.length, 20), { timeoutMs: 10_000 });
    assert.equal(await voice.count(), 1);
    await worker.close();
    await Promise.all([closeQueue(sms), closeQueue(voice)]);
  });

  it("one delivery's keys share a slot (a script over them runs), different deliveries spread over the masters", async () => {
    const redis = await connect('producer');
    const keyspace = createKeyspace(uniquePrefix('spread'), 'cluster');
    const touch = defineScript<{ at: number }, number>(
      redis,
      'byotTestTouchDelivery',
      `${UNPACK_ARGS}
redis.call('HSET', KEYS[1], 'at', args.at)
redis.call('RPUSH', KEYS[2], 'attempt')
redis.call('SET', KEYS[3], 'job')
return redis.call('LLEN', KEYS[2])`,
    );
    const slots = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const eventId = `acme.evt-${i}`;
      assert.equal(
        await touch([keyspace.delivery(eventId), keyspace.attempts(eventId), keyspace.resend(eventId)], {
          at: i,
        }),
        1,
      );
      slots.add(keySlot(keyspace.delivery(eventId)));
    }
    assert.ok(slots.size > 20, 'deliveries hash to many slots');
    const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number][];
    const shards = new Set(
      [...slots].map((slot) => ranges.findIndex(([from, to]) => slot >= from && slot <= to)),
    );
    assert.equal(shards.size, 3, 'every master holds some deliveries');
  });

  it('keeps serving after one master is killed and its replica promoted', async () => {
    const producer = await connect('producer');
    const workerConn = await connect('worker');
    const keyspace = createKeyspace(uniquePrefix('failover'), 'cluster');
    const queue = createSendQueue('sms', producer, keyspace);
    queue.on('error', () => {});
    const done = new Set<string>();
    const worker = startWorker(
      QUEUE_CATALOG.sms,
      { send: async (job) => void done.add(job.id as string) as never },
      { connection: workerConn, keyspace, concurrency: 4, settings: SETTINGS, onError: () => {} },
    );
    void worker.run();
    await queue.add('send', { sealed: 'x' } as never, { jobId: 'before' });
    await eventually(() => assert.ok(done.has('before')), { timeoutMs: 5_000 });
    // Kill the master that serves this queue's slot: the hardest case for it.
    const slot = keySlot(`${keyspace.queuePrefix('sms-send')}:wait`);
    const ranges = (await producer.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const port = Number(ranges.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1]);
    const victim = cluster.nodes.find((n) => n.port === port);
    assert.ok(victim);
    await victim.kill('SIGKILL');
    const waited = await addUntilAccepted(
      () => queue.add('send', { sealed: 'y' } as never, { jobId: 'after' }),
      30_000,
    );
    await eventually(() => assert.ok(done.has('after')), { timeoutMs: 15_000 });
    process.stderr.write(`cluster failover: the queue's shard writable again ${waited} ms after the kill\n`);
    // Seen once: BullMQ's Worker.close() waiting on its blocking connection to the killed node. A service's
    // shutdown is bounded by SHUTDOWN_DRAIN_MS; here the wait is bounded so the suite reports instead of hanging.
    await closeQueue(worker, 5_000);
    await closeQueue(queue);
  });
});
