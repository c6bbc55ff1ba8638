import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { probeDocker } from './docker.ts';
import { getFreePort } from './ports.ts';

/** A fake Docker engine: answers GET /_ping like the real one. */
function fakeEngine(onPing: (res: ServerResponse) => void): Server {
  return createServer((req, res) => {
    if (req.url === '/_ping') onPing(res);
    else res.writeHead(404).end();
  });
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

test('probeDocker finds an engine at DOCKER_HOST=tcp://…', async () => {
  const server = fakeEngine((res) => res.writeHead(200).end('OK'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const probe = await probeDocker(1_000, { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    assert.deepEqual(probe, {
      available: true,
      detail: `Docker engine answered at DOCKER_HOST=tcp://127.0.0.1:${port}`,
    });
  } finally {
    await close(server);
  }
});

test('probeDocker finds an engine at DOCKER_HOST=unix://…', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byot-testkit-'));
  const socket = join(dir, 'docker.sock');
  const server = fakeEngine((res) => res.writeHead(200).end('OK'));
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    assert.equal((await probeDocker(1_000, { DOCKER_HOST: `unix://${socket}` })).available, true);
  } finally {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('probeDocker reports refused, failing and silent endpoints as unavailable, within the timeout', async () => {
  const refused = await probeDocker(1_000, { DOCKER_HOST: `tcp://127.0.0.1:${await getFreePort()}` });
  assert.equal(refused.available, false);
  assert.match(refused.detail, /ECONNREFUSED/);

  const missing = await probeDocker(1_000, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.match(
    missing.detail,
    /no Docker engine answered \(DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock: ENOENT\)/,
  );

  const failing = fakeEngine((res) => res.writeHead(500).end());
  const silent = fakeEngine(() => {}); // never answers
  await Promise.all(
    [failing, silent].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
  );
  try {
    const failingPort = (failing.address() as AddressInfo).port;
    assert.match(
      (await probeDocker(1_000, { DOCKER_HOST: `tcp://127.0.0.1:${failingPort}` })).detail,
      /HTTP 500/,
    );

    const started = performance.now();
    const silentPort = (silent.address() as AddressInfo).port;
    const probe = await probeDocker(100, { DOCKER_HOST: `tcp://127.0.0.1:${silentPort}` });
    assert.match(probe.detail, /no answer within 100 ms/);
    assert.ok(performance.now() - started < 1_000);
  } finally {
    await Promise.all([close(failing), close(silent)]);
  }
});

test('probeDocker refuses schemes it cannot probe', async () => {
  const probe = await probeDocker(100, { DOCKER_HOST: 'ssh://user@host' });
  assert.deepEqual(probe, {
    available: false,
    detail: 'no Docker engine answered (DOCKER_HOST=ssh://user@host: unsupported scheme ssh:)',
  });
});
