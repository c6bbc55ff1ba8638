import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { getFreePort } from './ports.ts';
import { sharedTestRedis, startTestRedis, uniquePrefix } from './redis.ts';
import { pingRedis, RedisServerProcess } from './redis-server.ts';

/** Runs fn with some env vars replaced (undefined = unset), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

const NO_DOCKER = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

test('binary strategy starts a real redis-server that answers PING; stop() shuts it down', async () => {
  const redis = await startTestRedis({ strategy: 'binary' });
  assert.equal(redis.strategy, 'binary');
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    assert.equal(await client.ping(), 'PONG');
  } finally {
    client.disconnect();
  }
  await redis.stop();
  await redis.stop();
  assert.equal(await pingRedis('127.0.0.1', portOf(redis.url), 200), undefined);
});

test('auto without Docker or REDIS_URL falls back to the binary', async () => {
  await withEnv({ ...NO_DOCKER, REDIS_URL: undefined, BYOT_TEST_REDIS: undefined }, async () => {
    const redis = await startTestRedis();
    try {
      assert.equal(redis.strategy, 'binary');
    } finally {
      await redis.stop();
    }
  });
});

test('auto uses REDIS_URL as is when set, and its stop() leaves that Redis alone', async () => {
  const external = await RedisServerProcess.start();
  after(() => external.stop());
  await withEnv({ ...NO_DOCKER, REDIS_URL: external.url, BYOT_TEST_REDIS: undefined }, async () => {
    const redis = await startTestRedis();
    assert.deepEqual([redis.strategy, redis.url], ['url', external.url]);
    await redis.stop();
    assert.equal(await pingRedis(external.host, external.port, 500), 'PONG');
  });
});

test('a REDIS_URL that does not answer fails fast with a readable error', async () => {
  const url = `redis://127.0.0.1:${await getFreePort()}`;
  await assert.rejects(
    startTestRedis({ strategy: 'url', url }),
    /\(url\): Redis at redis:\/\/127\.0\.0\.1:\d+\/? did not answer PING/,
  );
});

test('when nothing works the error says what was tried and how to fix it', async () => {
  await withEnv({ ...NO_DOCKER, REDIS_URL: undefined }, async () => {
    await assert.rejects(
      startTestRedis({ strategy: 'auto', redisServerBin: '/nonexistent/redis-server' }),
      (error: Error) => {
        assert.match(error.message, /Tried:/);
        assert.match(error.message, /container: no Docker engine answered/);
        assert.match(error.message, /url: REDIS_URL is not set/);
        assert.match(error.message, /binary \(\/nonexistent\/redis-server\)/);
        assert.match(error.message, /install redis-server/);
        return true;
      },
    );
  });
});

test('an unknown BYOT_TEST_REDIS is refused', async () => {
  await withEnv({ BYOT_TEST_REDIS: 'docker' }, async () => {
    await assert.rejects(
      startTestRedis(),
      /BYOT_TEST_REDIS=docker is not one of auto, container, url, binary/,
    );
  });
});

test('sharedTestRedis starts one Redis per process; its stop() is a no-op', async () => {
  const first = await sharedTestRedis({ strategy: 'binary' });
  const second = await sharedTestRedis();
  assert.equal(first, second);
  await first.stop();
  assert.equal(await pingRedis('127.0.0.1', portOf(first.url), 500), 'PONG');
});

test('uniquePrefix is unique and safe as a BullMQ prefix or key part', () => {
  const prefixes = new Set(Array.from({ length: 1_000 }, () => uniquePrefix('sms worker:retry')));
  assert.equal(prefixes.size, 1_000);
  for (const prefix of prefixes) assert.match(prefix, /^t-sms-worker-retry-[0-9a-f]{10}$/);
  assert.match(uniquePrefix(''), /^t-test-[0-9a-f]{10}$/);
  assert.ok(uniquePrefix('x'.repeat(100)).length <= 40);
});
