import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { getFreePort } from './ports.ts';

test('getFreePort returns a loopback port that can be bound', async () => {
  const port = await getFreePort();
  assert.ok(port > 0 && port < 65536);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});
