/**
 * The hook path against a real Redis and real BullMQ, with an in-process worker whose provider is scripted per
 * test (the provider wire protocol is covered by the simulator and the end-to-end tests).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { afterEach, before, describe, it } from 'node:test';
import { QUEUES, type SendJob, type SendSecrets } from '@byot/contracts';
import { createSendProcessor, DeliveryStore, OutcomeListener } from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { ProviderError, type SendResult } from '@byot/providers';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  waitUntilReady,
} from '@byot/redis';
import { createSealer } from '@byot/sealing';
import {
  oktaHookRequest,
  oktaHookSchema,
  RedisServerProcess,
  sharedTestRedis,
  uniquePrefix,
} from '@byot/testkit';
import Ajv2020 from 'ajv/dist/2020.js';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createApp, TELEPHONY_HOOK_PATH } from '../src/app.ts';
import { HeaderSecretAuthenticator } from '../src/auth/hook-authenticator.ts';
import { Dispatcher } from '../src/delivery/dispatcher.ts';

const SECRET = 'Basic b2t0YTpzM2NyZXQtZm9yLXRlc3Rz';
const schema = oktaHookSchema();
const ajv = new Ajv2020.default({ strict: false });
const validateResponse = ajv.compile({ ...schema.$defs.response, $defs: schema.$defs });

type Script = (job: SendJob, secrets: SendSecrets, attempt: number) => Promise<SendResult>;

interface Harness {
  url: string;
  sends: { eventId: string; otpCode: string; attempt: number }[];
  setScript(script: Script): void;
  producer: Redis;
  store: DeliveryStore;
  close(): Promise<void>;
}

let redisUrl: string;
const harnesses: Harness[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function startHarness(options: { budgetMs?: number; withWorker?: boolean; redisUrl?: string } = {}) {
  const url = options.redisUrl ?? redisUrl;
  const keyspace = createKeyspace(uniquePrefix('ingress'));
  const log = createLogger({ service: 'test', level: 'silent' });
  const producer = createRedisConnection({ url, role: 'producer', name: 'p', commandTimeoutMs: 300 });
  producer.on('error', () => {});
  const subscriber = createRedisConnection({ url, role: 'subscriber', name: 's' });
  subscriber.on('error', () => {});
  const workerConn = createRedisConnection({ url, role: 'worker', name: 'w' });
  workerConn.on('error', () => {});
  const sealer = createSealer(randomBytes(32));
  const store = new DeliveryStore(producer, keyspace, 60_000);
  const outcomes = new OutcomeListener(subscriber, keyspace);
  // Like main.ts: the subscription is (re)established whenever Redis is reachable; do not block on it.
  const subscribed = outcomes.start().catch(() => {});
  await waitUntilReady(producer, 1_000).catch(() => {}); // as main.ts does; an unreachable Redis stays unready
  if (!options.redisUrl) await subscribed;
  const queues = {
    sms: createSendQueue('sms', producer, keyspace),
    voice: createSendQueue('voice', producer, keyspace),
  };
  for (const q of Object.values(queues)) q.on('error', () => {});
  const sends: Harness['sends'] = [];
  let script: Script = async (job) => ({
    provider: 'twilio',
    providerMessageId: `SM${job.eventId}`,
    providerStatus: 'queued',
  });
  const app = createApp({
    authenticator: new HeaderSecretAuthenticator('authorization', SECRET),
    dispatcher: new Dispatcher({
      queues,
      store,
      outcomes,
      sealer,
      log,
      enqueueTimeoutMs: 300,
      maxOtpLifetimeMs: 1_800_000,
      queueConnected: () => producer.status === 'ready',
    }),
    parse: { defaultRegion: 'US', minLifetimeMs: 5_000 },
    budgetMs: options.budgetMs ?? 1_000,
    maxBodyBytes: 32_768,
    log,
    isReady: async () => (await producer.ping()) === 'PONG',
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let worker: Worker | undefined;
  if (options.withWorker !== false) {
    const workerStore = new DeliveryStore(workerConn, keyspace, 60_000);
    worker = new Worker(
      QUEUES.sms,
      createSendProcessor({
        store: workerStore,
        sealer,
        log,
        retry: { baseDelayMs: 20, maxDelayMs: 100, minUsefulLifetimeMs: 5_000, maxAttempts: 5 },
        attemptStaleAfterMs: 5_000,
        routes: [
          {
            provider: 'twilio',
            send: async (job, secrets, attempt) => {
              sends.push({ eventId: job.eventId, otpCode: secrets.otpCode, attempt });
              return script(job, secrets, attempt);
            },
          },
        ],
      }),
      { connection: workerConn, prefix: keyspace.prefix, concurrency: 20 },
    );
  }
  const harness: Harness = {
    url: `http://127.0.0.1:${port}`,
    sends,
    producer,
    store,
    setScript: (s) => {
      script = s;
    },
    close: async () => {
      await worker?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all(Object.values(queues).map((q) => closeQueue(q, 500)));
      await Promise.all([closeRedis(producer), closeRedis(subscriber), closeRedis(workerConn)]);
    },
  };
  harnesses.push(harness);
  return harness;
}

async function postHook(h: Harness, body: unknown, auth: string | null = SECRET) {
  const started = performance.now();
  const response = await fetch(`${h.url}${TELEPHONY_HOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await response.json()) as {
    commands?: {
      value: { status: string; provider?: string; transactionId?: string; transactionMetadata?: string }[];
    }[];
    error?: { errorSummary: string; errorCauses?: { location?: string; reason?: string }[] };
  };
  return {
    status: response.status,
    body: json,
    action: json.commands?.[0]?.value[0],
    ms: performance.now() - started,
  };
}

describe('POST /v1/okta/telephony', () => {
  it('answers SUCCESSFUL with the provider and its message id when the provider accepts in time', async () => {
    const h = await startHarness();
    const hook = oktaHookRequest({ phoneNumber: '+14155550123', otpCode: '482913' });
    const r = await postHook(h, hook);
    assert.equal(r.status, 200);
    assert.ok(validateResponse(r.body), JSON.stringify(validateResponse.errors));
    assert.deepEqual(
      { status: r.action?.status, provider: r.action?.provider, id: r.action?.transactionId },
      { status: 'SUCCESSFUL', provider: 'TWILIO', id: `SM${hook.eventId}` },
    );
    assert.deepEqual(h.sends, [{ eventId: hook.eventId, otpCode: '482913', attempt: 1 }]);
  });

  it('refuses a missing or wrong secret with 401 and enqueues nothing', async () => {
    const h = await startHarness();
    for (const auth of [null, 'Basic wrong', `${SECRET}x`, SECRET.slice(0, -1)]) {
      const r = await postHook(h, oktaHookRequest(), auth);
      assert.equal(r.status, 401);
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.sends.length, 0);
  });

  it('answers PENDING with our delivery id when the provider is slower than the budget, and delivery goes on', async () => {
    const h = await startHarness({ budgetMs: 200 });
    h.setScript(async (job) => {
      await new Promise((r) => setTimeout(r, 600));
      return { provider: 'twilio', providerMessageId: `SM${job.eventId}`, providerStatus: 'queued' };
    });
    const hook = oktaHookRequest();
    const r = await postHook(h, hook);
    assert.equal(r.action?.status, 'PENDING');
    assert.equal(r.action?.transactionId, `byot-${hook.eventId}`);
    assert.ok(validateResponse(r.body));
    assert.ok(r.ms < 600, `answered in ${r.ms} ms`);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal((await h.store.get(hook.eventId))?.state, 'accepted');
  });

  it('answers FAILED, without retrying, when the destination can never receive it', async () => {
    const h = await startHarness();
    h.setScript(async () => {
      throw new ProviderError({
        kind: 'destination-permanent',
        provider: 'twilio',
        code: '21211',
        safeMessage: 'twilio 21211: invalid destination number',
      });
    });
    const r = await postHook(h, oktaHookRequest());
    assert.equal(r.action?.status, 'FAILED');
    assert.match(r.action?.transactionMetadata ?? '', /21211/);
    assert.ok(validateResponse(r.body));
    assert.equal(h.sends.length, 1);
  });

  it('retries transient errors and still answers SUCCESSFUL inside the budget', async () => {
    const h = await startHarness();
    h.setScript(async (job, _s, attempt) => {
      if (attempt < 3)
        throw new ProviderError({
          kind: 'unavailable',
          provider: 'twilio',
          code: '500',
          safeMessage: 'twilio answered 500',
        });
      return { provider: 'twilio', providerMessageId: `SM${job.eventId}`, providerStatus: 'queued' };
    });
    const r = await postHook(h, oktaHookRequest());
    assert.equal(r.action?.status, 'SUCCESSFUL');
    assert.deepEqual(
      h.sends.map((s) => s.attempt),
      [1, 2, 3],
    );
  });

  it('sends once and answers alike for the same eventId twenty times at once, and again later', async () => {
    const h = await startHarness();
    const hook = oktaHookRequest();
    const answers = await Promise.all(Array.from({ length: 20 }, () => postHook(h, hook)));
    const later = await postHook(h, hook);
    for (const a of [...answers, later]) {
      assert.equal(a.action?.status, 'SUCCESSFUL');
      assert.equal(a.action?.transactionId, `SM${hook.eventId}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(h.sends.length, 1);
  });

  it('answers FAILED for an expired code and sends nothing', async () => {
    const h = await startHarness();
    const r = await postHook(h, oktaHookRequest({ expiresInMs: -1_000 }));
    assert.equal(r.action?.status, 'FAILED');
    assert.match(r.action?.transactionMetadata ?? '', /otp-expired/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.sends.length, 0);
  });

  it('refuses malformed requests with a specific error, never echoing secrets', async () => {
    const h = await startHarness();
    const bad = oktaHookRequest({ otpCode: 'not-digits-482913' });
    const r = await postHook(h, bad);
    assert.equal(r.status, 400);
    assert.ok(validateResponse(r.body));
    assert.ok(r.body.error?.errorCauses?.some((c) => c.location === 'data.messageProfile.otpCode'));
    assert.ok(!JSON.stringify(r.body).includes('482913'));
    const notJson = await postHook(h, '{"eventId":');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error?.errorSummary, 'Request body is not valid JSON');
    const huge = await postHook(h, { ...oktaHookRequest(), padding: 'x'.repeat(40_000) });
    assert.equal(huge.status, 413);
  });

  it('answers fast with a non-200 (Okta falls back) when Redis is unreachable, and never sends later', async () => {
    const h = await startHarness({ redisUrl: 'redis://127.0.0.1:1', withWorker: false });
    const r = await postHook(h, oktaHookRequest());
    assert.equal(r.status, 503);
    assert.ok(validateResponse(r.body));
    assert.ok(r.ms < 500, `answered in ${r.ms} ms`);
    const ready = await fetch(`${h.url}/readyz`);
    assert.equal(ready.status, 503);
  });

  it('answers fast with a non-200 when Redis is full (noeviction), and leaves no job a worker could send', {
    timeout: 30_000,
  }, async () => {
    const full = await RedisServerProcess.start({ extraArgs: ['--maxmemory', '4mb'] });
    const direct = createRedisConnection({ url: full.url, role: 'worker', name: 'filler' });
    direct.on('error', () => {});
    try {
      // Fill it up to its limit: every write is then refused with OOM, as in production under noeviction.
      for (let i = 0; i < 200; i++) {
        const refused = await direct.set(`filler:${i}`, 'x'.repeat(64 * 1024)).then(
          () => false,
          () => true,
        );
        if (refused) break;
      }
      const h = await startHarness({ redisUrl: full.url, withWorker: false });
      try {
        const r = await postHook(h, oktaHookRequest());
        assert.equal(r.status, 503);
        assert.ok(validateResponse(r.body));
        // queue-full when the OOM reply comes back; on a loaded machine the enqueue deadline may cut in first.
        assert.ok(
          ['queue-full', 'queue-timeout'].includes(r.body.error?.errorCauses?.[0]?.reason ?? ''),
          JSON.stringify(r.body),
        );
        assert.ok(r.ms < 1_000, `answered in ${r.ms} ms`);
        // Redis refused the whole enqueue script: no job exists that a worker could pick up once memory frees.
        assert.deepEqual(
          (await direct.keys('*')).filter((k) => !k.startsWith('filler:')),
          [],
        );
      } finally {
        await h.close();
        harnesses.splice(harnesses.indexOf(h), 1);
      }
    } finally {
      await closeRedis(direct);
      await full.stop();
    }
  });
});
