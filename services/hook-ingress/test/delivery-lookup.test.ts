/** The support lookup: its own credential, strict input, and a ledger with the phone masked and no code. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { SendJob } from '@byot/contracts';
import { DeliveryStore } from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { closeRedis, createKeyspace, createRedisConnection, waitUntilReady } from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import express from 'express';
import type { Redis } from 'ioredis';
import { deliveryLookupRouter } from '../src/http/delivery-lookup-route.ts';

const TOKEN = randomBytes(32).toString('base64');
const CODE = '771204';
let redis: Redis;
let server: Server;
let url: string;
let store: DeliveryStore;

before(async () => {
  redis = createRedisConnection({
    url: (await sharedTestRedis()).url,
    role: 'producer',
    name: 'lookup-test',
  });
  await waitUntilReady(redis, 10_000);
  store = new DeliveryStore(redis, createKeyspace(uniquePrefix('lookup')), 60_000);
  const app = express();
  app.use(
    deliveryLookupRouter({ store, adminToken: TOKEN, log: createLogger({ service: 't', level: 'silent' }) }),
  );
  server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  server.close();
  await closeRedis(redis);
});

async function seed(): Promise<string> {
  const eventId = crypto.randomUUID();
  const sealer = createSealer(randomBytes(32));
  const job: SendJob = {
    version: 1,
    eventId,
    deliveryId: `byot-${eventId}`,
    channel: 'sms',
    requestType: 'com.okta.user.telephony.mfa-verification',
    otpExpiresAt: Date.now() + 300_000,
    receivedAt: Date.now() - 25,
    phoneMasked: '+1••••••••23',
    sealed: sealer.sealJson({ otpCode: CODE, phoneE164: '+14155550123' }, eventId),
  };
  await store.beginAttempt({ ...job }, 'twilio', 5_000);
  await store.settleAccepted(
    { kind: 'accepted', eventId, provider: 'twilio', providerMessageId: 'SM0001', at: Date.now() },
    job,
    {
      provider: 'twilio',
      channel: 'sms',
      startedAt: Date.now() - 5,
      finishedAt: Date.now(),
      result: 'accepted',
      providerMessageId: 'SM0001',
      status: 'accepted',
      rank: 0,
    },
  );
  return eventId;
}

const get = (path: string, authorization?: string) =>
  fetch(`${url}${path}`, authorization ? { headers: { authorization } } : {});

describe('GET /v1/deliveries/:eventId', () => {
  it('refuses without the admin credential, and with a wrong one, saying which', async () => {
    const eventId = await seed();
    const none = await get(`/v1/deliveries/${eventId}`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.deepEqual(await none.json(), { error: 'admin credential required' });
    const wrong = await get(`/v1/deliveries/${eventId}`, `Bearer ${TOKEN}x`);
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { error: 'admin credential refused' });
  });

  it('returns the ledger with a bearer token or Basic (token as password): masked phone, no code', async () => {
    const eventId = await seed();
    for (const authorization of [
      `Bearer ${TOKEN}`,
      `Basic ${Buffer.from(`support:${TOKEN}`).toString('base64')}`,
    ]) {
      const response = await get(`/v1/deliveries/${eventId}`, authorization);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const text = await response.text();
      const body = JSON.parse(text);
      assert.equal(body.eventId, eventId);
      assert.equal(body.delivery, 'pending');
      assert.equal(body.phoneMasked, '+1••••••••23');
      assert.deepEqual(
        body.attempts.map((a: { n: number; provider: string; status: string }) => [
          a.n,
          a.provider,
          a.status,
        ]),
        [[1, 'twilio', 'accepted']],
      );
      assert.ok(!text.includes(CODE) && !text.includes('4155550123') && !text.includes('sealed'));
    }
  });

  it('answers 404 for an unknown event and 400 for a malformed id', async () => {
    const auth = `Bearer ${TOKEN}`;
    const missing = await get(`/v1/deliveries/${crypto.randomUUID()}`, auth);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /no delivery record/);
    const bad = await get(`/v1/deliveries/${encodeURIComponent('a:b*c')}`, auth);
    assert.equal(bad.status, 400);
  });
});
