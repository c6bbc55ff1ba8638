/**
 * The fraud controls as the hook route runs them, against a real Redis and real BullMQ queues: what Okta hears
 * for a refused code, that nothing is enqueued, the metric and the one warning line, the operators' blocks API,
 * and the fast "fall back" when Redis is away.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, before, describe, it } from 'node:test';
import { DeliveryStore, OutcomeListener } from '@byot/delivery/records';
import {
  FraudBlocks,
  FraudGuard,
  FraudPolicies,
  type FraudPolicyOverride,
  fraudPolicySchema,
} from '@byot/fraud';
import { createLogger } from '@byot/observability';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  waitUntilReady,
} from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { ByotMetrics } from '@byot/telemetry';
import { eventually, getFreePort, oktaHookRequest, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import { createApp, TELEPHONY_HOOK_PATH } from '../src/app.ts';
import { HeaderSecretAuthenticator } from '../src/auth/hook-authenticator.ts';
import { Dispatcher } from '../src/delivery/dispatcher.ts';
import { FraudScreen } from '../src/fraud/screen.ts';

const SECRET = 'Basic b2t0YTpzM2NyZXQtZm9yLXRlc3Rz';
const ADMIN = randomBytes(24).toString('base64');

let redisUrl: string;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function start(options: { policy?: FraudPolicyOverride; redisUrl?: string } = {}) {
  const url = options.redisUrl ?? redisUrl;
  const keyspace = createKeyspace(uniquePrefix('ingress-fraud'));
  const lines: Record<string, unknown>[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const log = createLogger({ service: 'test', level: 'info', destination: sink });
  const producer = createRedisConnection({ url, role: 'producer', name: 'p', commandTimeoutMs: 300 });
  producer.on('error', () => {});
  const subscriber = createRedisConnection({ url, role: 'subscriber', name: 's' });
  subscriber.on('error', () => {});
  const store = new DeliveryStore(producer, keyspace, 60_000);
  const outcomes = new OutcomeListener(subscriber, keyspace);
  const subscribed = outcomes.start().catch(() => {});
  await waitUntilReady(producer, 1_000).catch(() => {});
  if (!options.redisUrl) await subscribed;
  const queues = {
    sms: createSendQueue('sms', producer, keyspace),
    voice: createSendQueue('voice', producer, keyspace),
  };
  for (const q of Object.values(queues)) q.on('error', () => {});
  const metrics = new ByotMetrics({ service: 'test', processMetrics: false });
  const guard = new FraudGuard({ redis: producer, keyPrefix: keyspace.fraud, subjectKey: randomBytes(32) });
  const policies = new FraudPolicies(
    fraudPolicySchema.parse({ allowedCountries: 'US,CA,GB', limitPerNumber: '5/15m', ...options.policy }),
  );
  const app = createApp({
    authenticator: new HeaderSecretAuthenticator('authorization', SECRET),
    dispatcher: new Dispatcher({
      queues,
      store,
      outcomes,
      sealer: createSealer(randomBytes(32)),
      log,
      enqueueTimeoutMs: 300,
      maxOtpLifetimeMs: 1_800_000,
      queueConnected: () => producer.status === 'ready',
    }),
    parse: { defaultRegion: 'US', minLifetimeMs: 5_000 },
    // No worker here: an enqueued code answers PENDING at once.
    budgetMs: 0,
    maxBodyBytes: 32_768,
    log,
    metrics,
    isReady: async () => true,
    fraud: new FraudScreen({
      guard,
      policies,
      log,
      metrics,
      timeoutMs: 300,
      ledger: store,
      maxOtpLifetimeMs: 1_800_000,
    }),
    blocks: { blocks: new FraudBlocks(producer, (t) => guard.keys(t)), policies, adminToken: ADMIN },
    deliveryLookup: { store, adminToken: ADMIN },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  closers.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await Promise.all(Object.values(queues).map((q) => closeQueue(q, 500)));
    await Promise.all([closeRedis(producer), closeRedis(subscriber)]);
    await metrics.shutdown();
  });
  const post = async (body: unknown) => {
    const response = await fetch(`${base}${TELEPHONY_HOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: SECRET },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as {
      commands?: { value: { status: string; transactionId?: string; transactionMetadata?: string }[] }[];
    };
    return { status: response.status, action: json.commands?.[0]?.value[0], body: json };
  };
  const admin = (method: string, path: string, token: string | null = ADMIN) =>
    fetch(`${base}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const jobs = async () => {
    const counts = await Promise.all(Object.values(queues).map((q) => q.getJobCounts('waiting', 'active')));
    return counts.reduce((sum, c) => sum + (c.waiting ?? 0) + (c.active ?? 0), 0);
  };
  return { post, admin, jobs, lines, metrics, store, producer };
}

describe('fraud controls on the hook path', () => {
  it('answers a refused code 200 FAILED naming the rule, enqueues nothing, counts it and warns once', async () => {
    const h = await start();
    for (let i = 0; i < 5; i++) {
      const r = await h.post(oktaHookRequest({ phoneNumber: '+14155550123' }));
      assert.equal(r.action?.status, 'PENDING', `code ${i + 1} goes out`);
    }
    assert.equal(await h.jobs(), 5);
    const blocked = oktaHookRequest({ phoneNumber: '+14155550123' });
    const r = await h.post(blocked);
    assert.equal(r.status, 200);
    assert.deepEqual(r.action, {
      status: 'FAILED',
      transactionId: `byot-${blocked.eventId}`,
      transactionMetadata: 'blocked: per-number limit',
    });
    assert.ok(!JSON.stringify(r.body).includes('4155550123'), 'the answer never names the number');
    assert.equal(await h.jobs(), 5, 'nothing enqueued');

    const premium = await h.post(oktaHookRequest({ phoneNumber: '+448712345678' }));
    assert.equal(premium.action?.transactionMetadata, 'blocked: number type not allowed (PREMIUM_RATE)');
    const elsewhere = await h.post(oktaHookRequest({ phoneNumber: '+33612345678' }));
    assert.equal(elsewhere.action?.transactionMetadata, 'blocked: destination country not allowed');
    assert.equal(await h.jobs(), 5);

    const text = await h.metrics.render();
    assert.match(text, /byot_blocked_total\{rule="per-number",tenant="default"\} 1/);
    assert.match(text, /byot_blocked_total\{rule="number-type",tenant="default"\} 1/);
    assert.match(text, /byot_blocked_total\{rule="country",tenant="default"\} 1/);
    assert.match(text, /byot_hook_answers_total\{answer="failed",request_type="mfa"\} 3/);

    // The ledger says why, masked; a duplicate of the refused hook is refused again.
    const ledger = await eventually(async () => {
      const response = await h.admin('GET', `/v1/deliveries/${blocked.eventId}`);
      assert.equal(response.status, 200);
      return (await response.json()) as {
        delivery: string;
        reason: string;
        phoneMasked: string;
        blocked: { rule: string };
      };
    });
    assert.deepEqual(
      [ledger.delivery, ledger.reason, ledger.phoneMasked, ledger.blocked.rule],
      ['blocked', 'blocked: per-number limit', '+1••••••••23', 'per-number'],
    );
    assert.equal((await h.post(blocked)).action?.transactionMetadata, 'blocked: per-number limit');
    assert.equal(await h.jobs(), 5);

    const warnings = h.lines.filter((l) => l.eventId === blocked.eventId && l.msg !== 'delivery looked up');
    assert.equal(warnings.length, 2, 'one line per hook (the refused one and its duplicate)');
    assert.deepEqual(
      {
        level: warnings[0]?.level,
        msg: warnings[0]?.msg,
        rule: warnings[0]?.rule,
        type: warnings[0]?.requestType,
      },
      { level: 'warn', msg: 'hook blocked: per-number', rule: 'per-number', type: 'mfa' },
    );
    assert.equal(warnings[0]?.phoneMasked, '+1••••••••23');
    assert.ok(!JSON.stringify(h.lines).includes('4155550123'), 'no full number in any line');
  });

  it('lets exactly the limit through when 20 hooks for one number arrive at once', async () => {
    const h = await start();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => h.post(oktaHookRequest({ phoneNumber: '+12025550143' }))),
    );
    assert.equal(answers.filter((a) => a.action?.status === 'PENDING').length, 5);
    assert.equal(answers.filter((a) => a.action?.status === 'FAILED').length, 15);
    assert.equal(await h.jobs(), 5);
  });

  it('lists blocks for operators behind ADMIN_TOKEN and lifts one', async () => {
    const h = await start({ policy: { limitPerNumber: '1/1h' } });
    await h.post(oktaHookRequest({ phoneNumber: '+14155550123' }));
    await h.post(oktaHookRequest({ phoneNumber: '+14155550123' }));
    assert.equal((await h.admin('GET', '/v1/blocks', null)).status, 401);
    assert.equal((await h.admin('GET', '/v1/blocks', 'wrong-token-wrong-token-wrong')).status, 401);
    const listed = (await (await h.admin('GET', '/v1/blocks')).json()) as {
      blocks: { id: string; rule: string; label: string; refused: number; limit: string; inWindow: number }[];
    };
    assert.equal(listed.blocks.length, 1);
    const [block] = listed.blocks;
    assert.deepEqual(
      {
        rule: block?.rule,
        label: block?.label,
        refused: block?.refused,
        limit: block?.limit,
        inWindow: block?.inWindow,
      },
      { rule: 'per-number', label: '+1••••••••23', refused: 1, limit: '1/1h', inWindow: 1 },
    );
    assert.ok(!JSON.stringify(listed).includes('4155550123'));
    assert.equal((await h.admin('DELETE', `/v1/blocks/${block?.id}`, null)).status, 401);
    assert.equal((await h.admin('DELETE', '/v1/blocks/not-an-id')).status, 400);
    const lifted = await h.admin('DELETE', `/v1/blocks/${block?.id}`);
    assert.equal(lifted.status, 200);
    assert.equal((await h.admin('DELETE', `/v1/blocks/${block?.id}`)).status, 404, 'already lifted');
    assert.equal((await h.post(oktaHookRequest({ phoneNumber: '+14155550123' }))).action?.status, 'PENDING');
    assert.equal((await h.admin('GET', '/v1/blocks?tenant=nobody')).status, 404);
  });

  it('answers "fall back" (503, Okta sends) when Redis is unreachable: never a silent pass', async () => {
    const h = await start({ redisUrl: `redis://127.0.0.1:${await getFreePort()}` });
    const r = await h.post(oktaHookRequest({ phoneNumber: '+14155550123' }));
    assert.equal(r.status, 503);
    // A destination rule needs no Redis: it still refuses.
    const abroad = await h.post(oktaHookRequest({ phoneNumber: '+33612345678' }));
    assert.equal(abroad.action?.status, 'FAILED');
  });
});
