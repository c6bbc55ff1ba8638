import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { isAlive } from './fixtures/pids.ts';
import { pingRedis, RedisServerProcess } from './redis-server.ts';
import { eventually } from './waiting.ts';

async function withClient<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

test('with appendonly, a key survives kill(SIGKILL) + restart() on the same port and dir', async () => {
  const server = await RedisServerProcess.start({ appendonly: true });
  try {
    const firstPid = server.pid;
    await withClient(server.url, (client) => client.set('drill:key', 'kept'));
    const exit = await server.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(server.running, false);
    assert.equal(await pingRedis(server.host, server.port, 200), undefined);

    await server.restart();
    assert.notEqual(server.pid, firstPid);
    assert.equal(await withClient(server.url, (client) => client.get('drill:key')), 'kept');
  } finally {
    await server.stop();
  }
});

test('without appendonly, the same crash loses the key (the drill above is meaningful)', async () => {
  const server = await RedisServerProcess.start();
  try {
    await withClient(server.url, (client) => client.set('drill:key', 'lost'));
    await server.kill();
    await server.restart();
    assert.equal(await withClient(server.url, (client) => client.get('drill:key')), null);
  } finally {
    await server.stop();
  }
});

test('runs with noeviction, and stop() ends the process and removes its temp dir (idempotently)', async () => {
  const server = await RedisServerProcess.start();
  const pid = server.pid;
  assert.ok(pid !== undefined && existsSync(server.dir));
  const policy = await withClient(server.url, (client) => client.config('GET', 'maxmemory-policy'));
  assert.deepEqual(policy, ['maxmemory-policy', 'noeviction']);
  await server.stop();
  await server.stop();
  assert.equal(isAlive(pid), false);
  assert.equal(existsSync(server.dir), false);
});

test('a data dir passed in is kept by stop()', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byot-testkit-'));
  try {
    const server = await RedisServerProcess.start({ dir, appendonly: true });
    await server.stop();
    assert.ok(existsSync(join(dir, 'appendonlydir')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pause() makes redis unresponsive until resume()', async () => {
  const server = await RedisServerProcess.start();
  try {
    server.pause();
    assert.equal(await pingRedis(server.host, server.port, 150), undefined);
    server.resume();
    assert.equal(await pingRedis(server.host, server.port, 1_000), 'PONG');
    await assert.rejects(server.kill('SIGSTOP'), /pause\(\)/);
  } finally {
    await server.stop();
  }
});

test('a missing binary gives a clear error', async () => {
  await assert.rejects(
    RedisServerProcess.start({ bin: '/nonexistent/redis-server' }),
    /redis-server exited before answering PING[\s\S]*ENOENT/,
  );
});

/** Runs fixtures/orphan-parent.ts, which starts children and ends without stopping them. */
async function runOrphanParent(how: 'exit' | 'sigterm') {
  const parent = spawn(
    process.execPath,
    ['--conditions=byot-source', join(import.meta.dirname, 'fixtures', 'orphan-parent.ts'), how],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    parent.once('close', (c, s) => resolve([c, s])),
  );
  const started = JSON.parse(stdout) as { redisPid: number; redisDir: string; servicePid: number };
  return { code, signal, ...started };
}

test('children do not outlive a test process, whether it exits or is killed by SIGTERM', async () => {
  // Both at once: each run spends most of its time starting Node.
  const [exited, terminated] = await Promise.all([runOrphanParent('exit'), runOrphanParent('sigterm')]);
  assert.equal(exited.code, 0);
  assert.equal(terminated.signal, 'SIGTERM');
  for (const run of [exited, terminated]) {
    await eventually(() => {
      assert.equal(isAlive(run.redisPid), false, 'redis-server survived');
      assert.equal(isAlive(run.servicePid), false, 'service survived');
    });
    assert.equal(existsSync(run.redisDir), false, 'temp dir left behind');
  }
});
