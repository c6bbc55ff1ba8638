import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { getFreePort } from '@byot/testkit';
import { LoadGenerator, PhoneBook } from './load.ts';

const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function fakeIngress(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return endpoints(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

function endpoints(base: string) {
  return {
    hookUrl: `${base}/v1/okta/telephony`,
    hookSecret: 'Basic secret',
    simUrl: base,
    ingressUrl: base,
    adminToken: 'x',
  };
}

const answer = (status: string, provider?: string) => ({
  commands: [{ type: 'com.okta.telephony.action', value: [{ status, ...(provider ? { provider } : {}) }] }],
});

describe('PhoneBook', () => {
  it('hands out distinct US numbers, each in its own 1 000-block, clear of the +1500555 magic numbers', () => {
    const book = new PhoneBook(999_998);
    const numbers = Array.from({ length: 2_000 }, () => book.next());
    assert.equal(new Set(numbers).size, numbers.length);
    assert.equal(new Set(numbers.map((n) => n.slice(0, -3))).size, numbers.length, 'no shared prefix');
    assert.ok(
      numbers.every((n) => /^\+1(415|212|312|617|206|303)[2-9]\d{6}$/.test(n)),
      numbers[0],
    );
  });
});

describe('LoadGenerator', () => {
  it('sends hooks at the rate, every fifth by voice, each with its own number and code, and records the answers', async () => {
    const seen: { auth: string | undefined; channel: string; otp: string; phone: string }[] = [];
    const system = await fakeIngress((req, res, body) => {
      const hook = JSON.parse(body) as {
        data: { messageProfile: { deliveryChannel: string; otpCode: string; phoneNumber: string } };
      };
      const profile = hook.data.messageProfile;
      seen.push({
        auth: req.headers.authorization,
        channel: profile.deliveryChannel,
        otp: profile.otpCode,
        phone: profile.phoneNumber,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(seen.length % 2 ? 'SUCCESSFUL' : 'PENDING', 'TWILIO')));
    });
    const load = new LoadGenerator(system, {
      rate: 20,
      voiceEvery: 5,
      expiresInMs: 60_000,
      phones: new PhoneBook(),
    });
    load.start();
    await sleep(520);
    load.phase = 'fault';
    await sleep(500);
    await load.stop();
    // 20/s for about a second: the open loop catches up rather than drifting.
    assert.ok(load.hooks.length >= 19 && load.hooks.length <= 22, `${load.hooks.length} hooks`);
    assert.equal(new Set(load.hooks.map((h) => h.phone)).size, load.hooks.length);
    assert.deepEqual(
      load.hooks.slice(0, 5).map((h) => h.channel),
      ['sms', 'sms', 'sms', 'sms', 'voice'],
    );
    // Matched by code: concurrent requests need not arrive in the order they were sent.
    assert.equal(seen.find((s) => s.otp === load.hooks[4]?.otp)?.channel, 'voice call');
    assert.ok(seen.every((s) => s.auth === 'Basic secret'));
    assert.deepEqual(seen.map((s) => s.otp).sort(), load.hooks.map((h) => h.otp).sort());
    for (const hook of load.hooks) {
      assert.equal(hook.httpStatus, 200);
      assert.match(hook.answer ?? '', /^(SUCCESSFUL|PENDING)$/);
      assert.equal(hook.provider, 'TWILIO');
      assert.equal(hook.expiresAt - hook.sentAt, 60_000);
      assert.ok(hook.latencyMs !== undefined && hook.doneAt !== undefined);
    }
    assert.ok(load.hooks.some((h) => h.phase === 'baseline') && load.hooks.some((h) => h.phase === 'fault'));
  });

  it('gives up after Okta’s 3 s (timeout) and records refused connections', async () => {
    const hanging = await fakeIngress(() => {});
    const slow = new LoadGenerator(hanging, {
      rate: 1,
      voiceEvery: 5,
      expiresInMs: 60_000,
      phones: new PhoneBook(),
    });
    const refused = new LoadGenerator(endpoints(`http://127.0.0.1:${await getFreePort()}`), {
      rate: 1,
      voiceEvery: 5,
      expiresInMs: 60_000,
      phones: new PhoneBook(),
    });
    slow.start();
    refused.start();
    await sleep(100);
    await Promise.all([slow.stop(), refused.stop()]);
    assert.equal(slow.hooks[0]?.error, 'timeout');
    assert.equal(slow.hooks[0]?.httpStatus, undefined);
    assert.ok((slow.hooks[0]?.doneAt ?? 0) - (slow.hooks[0]?.sentAt ?? 0) >= 2_900);
    assert.equal(refused.hooks[0]?.error, 'connection');
  });
});
