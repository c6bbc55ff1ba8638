import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive } from './fixtures/pids.ts';
import { getFreePort } from './ports.ts';
import { nodeServiceArgs, repoRoot, startProcess, stopAll } from './processes.ts';
import { eventually } from './waiting.ts';

const SERVICE = join(import.meta.dirname, 'fixtures', 'service.ts');

function fixture(name: string, mode: string, extraEnv: Record<string, string> = {}) {
  return { name, args: nodeServiceArgs(SERVICE), env: { FIXTURE_MODE: mode, ...extraEnv } };
}

after(() => stopAll());

test('ready by log line; stdout and stderr are both captured; SIGTERM stops it cleanly', async () => {
  const service = await startProcess({ ...fixture('logger', 'log'), ready: { logLine: /service ready/ } });
  assert.ok(service.pid > 0);
  assert.deepEqual(service.lines(), ['warming up on stderr', 'service ready']);
  assert.match(service.output(), /warming up on stderr\nservice ready/);
  assert.equal(await service.waitForLine(/ready/), 'service ready');

  const exit = await service.stop();
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(service.lines().at(-1), 'bye');
  assert.deepEqual(service.exitInfo, exit);
});

test('ready by URL: waits through non-2xx answers', async () => {
  const port = await getFreePort();
  const service = await startProcess({
    ...fixture('http', 'http', { PORT: String(port) }),
    ready: { url: `http://127.0.0.1:${port}/health` },
  });
  assert.deepEqual(service.lines(), ['listening']);
  await service.stop();
});

test('stop() escalates to SIGKILL when SIGTERM is ignored', async () => {
  const service = await startProcess({
    ...fixture('stubborn', 'ignore-sigterm'),
    ready: { logLine: /^ready$/ },
  });
  const started = performance.now();
  const exit = await service.stop('SIGTERM', 200);
  assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
  assert.ok(performance.now() - started >= 190);
  assert.match(service.output(), /ignoring SIGTERM/);
});

test('stop() also ends what the process spawned (its process group)', async () => {
  const service = await startProcess({
    ...fixture('parent', 'grandchild'),
    ready: { logLine: /^grandchild \d+$/ },
  });
  const grandchild = Number((await service.waitForLine(/^grandchild/)).split(' ')[1]);
  assert.ok(isAlive(grandchild));
  await service.stop();
  await eventually(() => assert.equal(isAlive(grandchild), false));
});

test('a process that dies before it is ready: the error carries its last output', async () => {
  await assert.rejects(
    startProcess({ ...fixture('crasher', 'crash'), ready: { logLine: /never/ } }),
    (error: Error) => {
      assert.match(error.message, /crasher \(pid \d+\) exited before printing a line matching \/never\//);
      assert.match(error.message, /exit code 3/);
      assert.match(error.message, /starting\nfatal: REDIS_URL is required/);
      return true;
    },
  );
  const port = await getFreePort();
  await assert.rejects(
    startProcess({ ...fixture('crasher', 'crash'), ready: { url: `http://127.0.0.1:${port}/` } }),
    /crasher \(pid \d+\) exited before http:\/\/127\.0\.0\.1:\d+\/ answered \(exit code 3, signal null\)[\s\S]*fatal: REDIS_URL/,
  );
});

test('a readiness timeout kills the process and says so', async () => {
  const port = await getFreePort();
  await assert.rejects(
    startProcess({
      ...fixture('silent', 'log'),
      ready: { url: `http://127.0.0.1:${port}/` },
      readyTimeoutMs: 200,
    }),
    /silent \(pid \d+\) not ready: .*did not answer 2xx within 200 ms.*\(exit code null, signal SIGKILL\)\. Last output:/,
  );
});

test('waitForLine can wait for a line printed after a given point, and times out clearly', async () => {
  const service = await startProcess({ ...fixture('logger2', 'log'), ready: { logLine: /service ready/ } });
  await assert.rejects(service.waitForLine(/service ready/, 50, service.lines().length), /no line matching/);
  const bye = service.waitForLine(/^bye$/, 2_000, service.lines().length);
  await service.stop();
  assert.equal(await bye, 'bye');
});

test('kill() defaults to SIGKILL; env entries set to undefined are removed', async () => {
  process.env.BYOT_TESTKIT_PROBE = 'inherited';
  try {
    const script =
      'process.stdout.write((process.env.BYOT_TESTKIT_PROBE ?? "unset") + " " + process.env.EXTRA + "\\n")';
    const env = { BYOT_TESTKIT_PROBE: undefined, EXTRA: 'given' };
    const once = await startProcess({ name: 'env', args: ['-e', script], env, ready: { logLine: /given/ } });
    assert.equal(once.lines()[0], 'unset given');
    await once.exited;

    const sleeper = await startProcess({ name: 'sleeper', args: ['-e', 'setInterval(() => {}, 1 << 30)'] });
    assert.deepEqual(await sleeper.kill(), { code: null, signal: 'SIGKILL' });
  } finally {
    delete process.env.BYOT_TESTKIT_PROBE;
  }
});

test('a command that cannot be spawned rejects', async () => {
  await assert.rejects(
    startProcess({ name: 'ghost', command: '/nonexistent/bin', args: [] }),
    /ghost: could not start: .*ENOENT/,
  );
});

test('stopAll() stops every live process', async () => {
  const a = await startProcess(fixture('a', 'log'));
  const b = await startProcess(fixture('b', 'ignore-sigterm'));
  await stopAll('SIGTERM', 200);
  assert.ok(a.exitInfo && b.exitInfo);
});

test('repoRoot() finds the workspace root', () => {
  assert.ok(existsSync(join(repoRoot(), 'packages', 'testkit', 'package.json')));
});
