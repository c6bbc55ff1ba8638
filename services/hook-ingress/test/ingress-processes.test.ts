/**
 * INGRESS_PROCESSES=2: two real hook-ingress processes on one port (SO_REUSEPORT). Hooks sent on fresh
 * connections are answered by both (each process's own /metrics, on ADMIN_PORT and ADMIN_PORT + 1, counts the
 * hooks it answered), and SIGTERM to the first process stops both.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  getFreePort,
  nodeServiceArgs,
  oktaHookRequest,
  RedisServerProcess,
  repoRoot,
  ServiceProcess,
} from '@byot/testkit';

const HOST = '127.0.0.1';
let redis: RedisServerProcess;
let ingress: ServiceProcess;
let port: number;
let adminPort: number;
const secret = `Basic ${randomBytes(24).toString('base64')}`;

before(async () => {
  redis = await RedisServerProcess.start();
  port = await getFreePort();
  adminPort = await getFreePort();
  ingress = await ServiceProcess.start(
    {
      name: 'hook-ingress',
      args: nodeServiceArgs(join(repoRoot(), 'services/hook-ingress/src/main.ts')),
      env: {
        REDIS_URL: redis.url,
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        OKTA_HOOK_AUTH_SECRET: secret,
        HOOK_RESPONSE_BUDGET_MS: '0',
        STATUS_CALLBACKS: 'false',
        LOG_LEVEL: 'info',
        PORT: String(port),
        HOST,
        ADMIN_PORT: String(adminPort),
        ADMIN_HOST: HOST,
        INGRESS_PROCESSES: '2',
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
        TWILIO_FROM_NUMBER: '+15005550006',
      },
      ready: { url: `http://${HOST}:${port}/readyz` },
      readyTimeoutMs: 30_000,
    },
    `http://${HOST}:${port}`,
  );
});
after(async () => {
  await ingress?.stop('SIGTERM', 15_000).catch(() => {});
  await redis?.stop();
});

/** One hook on a connection of its own (no keep-alive), so the kernel picks a process for each. */
function hookOnFreshConnection(): Promise<number> {
  const body = JSON.stringify(oktaHookRequest({ phoneNumber: '+14155550123' }));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: HOST,
        port,
        path: '/v1/okta/telephony',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', authorization: secret, connection: 'close' },
        timeout: 5_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Hooks this process answered, from its own /metrics (byot_hook_answers_total, all labels). */
async function answeredBy(admin: number): Promise<number> {
  const text = await (await fetch(`http://${HOST}:${admin}/metrics`)).text();
  let total = 0;
  for (const [, value] of text.matchAll(/^byot_hook_answers_total\{[^}]*\} (\d+)/gm)) total += Number(value);
  return total;
}

async function waitForSecondProcess(): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 30_000; ) {
    if (
      await fetch(`http://${HOST}:${adminPort + 1}/metrics`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail('the second ingress process never served its admin port');
}

describe('INGRESS_PROCESSES=2 (two processes, one port)', () => {
  it('both processes answer hooks on the shared port', async () => {
    await waitForSecondProcess();
    const hooks = 60;
    const statuses: number[] = [];
    for (let i = 0; i < hooks; i++) statuses.push(await hookOnFreshConnection());
    assert.deepEqual(new Set(statuses), new Set([200]), `statuses: ${statuses.join(',')}`);
    const first = await answeredBy(adminPort);
    const second = await answeredBy(adminPort + 1);
    assert.equal(first + second, hooks, `answers counted: ${first} + ${second}`);
    assert.ok(first > 0 && second > 0, `one process answered everything: ${first} / ${second}`);
  });

  it('SIGTERM to the first process stops both', async () => {
    await ingress.stop('SIGTERM', 15_000);
    const closed = await fetch(`http://${HOST}:${adminPort + 1}/metrics`).then(
      () => false,
      () => true,
    );
    assert.ok(closed, 'the second process still serves after the first one stopped');
    assert.match(
      ingress.output(),
      /shutdown step done.*wait for the other ingress processes|wait for the other ingress processes.*shutdown step done/,
    );
  });
});
