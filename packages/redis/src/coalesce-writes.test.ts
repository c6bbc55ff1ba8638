import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import { closeRedis, createRedisConnection, waitUntilReady } from './connections.ts';

/** Counts what reaches the socket's own write functions (each one is a syscall's worth of libuv work). */
function countSocketWrites(redis: Redis): { writes: number; chunks: number } {
  const stream = (redis as unknown as { stream: Socket & Record<string, unknown> }).stream;
  const counts = { writes: 0, chunks: 0 };
  const write = stream._write as (...args: unknown[]) => void;
  const writev = stream._writev as (chunks: unknown[], cb: unknown) => void;
  stream._write = function (this: unknown, ...args: unknown[]) {
    counts.writes++;
    counts.chunks++;
    return write.apply(this, args);
  };
  stream._writev = function (this: unknown, chunks: unknown[], cb: unknown) {
    counts.writes++;
    counts.chunks += chunks.length;
    return writev.call(this, chunks, cb);
  };
  return counts;
}

describe('coalesced socket writes', () => {
  let redis: Redis;
  before(async () => {
    redis = createRedisConnection({
      url: (await sharedTestRedis()).url,
      role: 'producer',
      name: 'test-coalesce',
      commandTimeoutMs: 2_000,
    });
    await waitUntilReady(redis);
  });
  after(async () => {
    await closeRedis(redis);
  });

  it('sends the commands of one turn in one socket write, in order, with every reply its own', async () => {
    const prefix = uniquePrefix('coalesce');
    const counts = countSocketWrites(redis);
    const replies = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => redis.set(`${prefix}:${i}`, String(i))),
      redis.incr(`${prefix}:n`),
      redis.incr(`${prefix}:n`),
      redis.pipeline().get(`${prefix}:3`).get(`${prefix}:19`).exec(),
      redis.mget(`${prefix}:0`, `${prefix}:7`),
    ]);
    assert.equal(counts.writes, 1, `one write for the turn (${counts.chunks} chunks)`);
    assert.equal(counts.chunks, 24, 'each command (and the pipeline) a chunk of it');
    assert.deepEqual(replies.slice(0, 20), Array(20).fill('OK'));
    assert.deepEqual(replies.slice(20, 22), [1, 2], 'in the order issued');
    assert.deepEqual(replies[22], [
      [null, '3'],
      [null, '19'],
    ]);
    assert.deepEqual(replies[23], ['0', '7']);
  });

  it('writes once per turn: commands issued in later turns go in later writes', async () => {
    const prefix = uniquePrefix('coalesce');
    const counts = countSocketWrites(redis);
    const first = redis.set(`${prefix}:a`, '1');
    await new Promise((resolve) => setImmediate(resolve));
    const second = redis.set(`${prefix}:b`, '2');
    assert.deepEqual(await Promise.all([first, second]), ['OK', 'OK']);
    assert.equal(counts.writes, 2);
  });

  it('keeps coalescing after a reconnect (a new socket)', async () => {
    const prefix = uniquePrefix('coalesce');
    redis.disconnect(true);
    await once(redis, 'ready');
    const counts = countSocketWrites(redis);
    const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => redis.set(`${prefix}:${i}`, 'x')));
    assert.deepEqual(replies, Array(5).fill('OK'));
    assert.equal(counts.writes, 1);
  });
});
