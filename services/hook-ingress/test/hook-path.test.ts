/**
 * The hook path against a real Redis and real BullMQ, with an in-process worker whose provider is scripted per
 * test (the provider wire protocol is covered by the simulator and the end-to-end tests).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { QUEUES, type SendJob, type SendSecrets } from '@byot/contracts';
import { createSendProcessor, DeliveryStore, OutcomeListener } from '@byot/delivery';
import { createLogger, type Logger } from '@byot/observability';
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
import { BearerTokenAuthenticator } from '../src/auth/bearer-authenticator.ts';
import {
  AnyOfAuthenticators,
  HeaderSecretAuthenticator,
  type HookAuthenticator,
} from '../src/auth/hook-authenticator.ts';
import { Dispatcher } from '../src/delivery/dispatcher.ts';
import { AccessTokenVerifier } from '../src/oauth/access-token-verifier.ts';
import { issueAccessToken } from '../src/oauth/access-tokens.ts';
import {
  type AuthorizationServer,
  authorizationServer,
  type OAuthClient,
  secretDigest,
  TELEPHONY_HOOK_SCOPE,
} from '../src/oauth/authorization-server.ts';
import { trustedIssuerOf } from '../src/oauth/from-config.ts';
import { RemoteKeySet } from '../src/oauth/remote-key-set.ts';
import { loadSigningKeys, parseSigningKeyConfig } from '../src/oauth/signing-keys.ts';
import {
  capturedLogger,
  ecKeyPair,
  FakeIssuer,
  tamperPayload,
  tamperSignature,
  unsignedJwt,
} from './support/oauth-fixtures.ts';

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
  /** Jobs in the send queues (waiting, delayed…): what "nothing enqueued" is checked against. */
  queued(): Promise<number>;
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

async function startHarness(
  options: {
    budgetMs?: number;
    withWorker?: boolean;
    redisUrl?: string;
    authenticator?: HookAuthenticator;
    log?: Logger;
  } = {},
) {
  const url = options.redisUrl ?? redisUrl;
  const keyspace = createKeyspace(uniquePrefix('ingress'));
  const log = options.log ?? createLogger({ service: 'test', level: 'silent' });
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
  // Like main.ts: BullMQ loads its scripts on first use; do it now, not inside the first hook's 300 ms timeout
  // (on a loaded machine the first add could otherwise time out and answer 503).
  if (producer.status === 'ready')
    await Promise.all(Object.values(queues).map((q) => q.getJobCounts('waiting')));
  const sends: Harness['sends'] = [];
  let script: Script = async (job) => ({
    provider: 'twilio',
    providerMessageId: `SM${job.eventId}`,
    providerStatus: 'queued',
  });
  const app = createApp({
    authenticator: options.authenticator ?? new HeaderSecretAuthenticator('authorization', SECRET),
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
    queued: async () => (await queues.sms.count()) + (await queues.voice.count()),
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
  const text = await response.text();
  const json = JSON.parse(text) as {
    commands?: {
      value: { status: string; provider?: string; transactionId?: string; transactionMetadata?: string }[];
    }[];
    error?: { errorSummary: string; errorCauses?: { location?: string; reason?: string }[] };
  };
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
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

describe('POST /v1/okta/telephony with OAuth 2.0 bearer tokens (OKTA_HOOK_AUTH=oauth / header,oauth)', () => {
  const BASE = 'https://byot.example.com';
  let server: AuthorizationServer;
  let okta: FakeIssuer;
  let oktaKeys: RemoteKeySet;
  let oktaKid: string;

  before(async () => {
    server = authorizationServer({
      tenantId: 'default',
      publicBaseUrl: BASE,
      audience: `${BASE}${TELEPHONY_HOOK_PATH}`,
      tokenTtlSeconds: 3600,
      signingKeys: await loadSigningKeys(parseSigningKeyConfig((await ecKeyPair()).privatePem)),
      clients: [
        { clientId: 'okta-hook', secretDigest: secretDigest('x'.repeat(40)), scopes: [TELEPHONY_HOOK_SCOPE] },
      ],
    });
    okta = await FakeIssuer.start();
    oktaKid = await okta.addKey();
    oktaKeys = new RemoteKeySet({
      issuer: okta.issuer,
      log: createLogger({ service: 'test', level: 'silent' }),
    });
    oktaKeys.start();
    await oktaKeys.whenReady();
  });
  after(async () => {
    oktaKeys.stop();
    await okta.stop();
  });

  const verifier = () =>
    new AccessTokenVerifier([
      trustedIssuerOf(server),
      {
        issuer: okta.issuer,
        audience: 'api://default',
        requiredScopes: ['byot.hook'],
        maxTokenAgeSeconds: 86_400,
        getKey: oktaKeys.getKey,
      },
    ]);
  const ownToken = async () =>
    (await issueAccessToken(server, server.client('okta-hook') as OAuthClient, [TELEPHONY_HOOK_SCOPE]))
      .accessToken;

  it("accepts byot's own token and an Okta custom authorization server's token", async () => {
    const h = await startHarness({ authenticator: new BearerTokenAuthenticator(verifier()) });
    for (const token of [await ownToken(), await okta.token(oktaKid)]) {
      const r = await postHook(h, oktaHookRequest(), `Bearer ${token}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.action?.status, 'SUCCESSFUL');
    }
    assert.equal(h.sends.length, 2);
  });

  it('refuses every bad token with 401, Bearer error="invalid_token", Okta\'s error shape, one log line, nothing enqueued', async () => {
    const captured = capturedLogger();
    const h = await startHarness({
      authenticator: new BearerTokenAuthenticator(verifier()),
      withWorker: false,
      log: captured.log,
    });
    const now = Math.floor(Date.now() / 1000);
    const bad: [string, string, string][] = [
      ['expired', await okta.token(oktaKid, {}, { issuedAt: now - 7200 }), 'token-expired'],
      ['not yet valid', await okta.token(oktaKid, {}, { notBefore: now + 600 }), 'token-bad-nbf'],
      ['wrong audience', await okta.token(oktaKid, {}, { audience: 'api://other' }), 'token-bad-aud'],
      ['missing scope', await okta.token(oktaKid, { scp: [] }), 'token-missing-scope'],
      ['tampered', tamperSignature(await ownToken()), 'token-bad-signature'],
      ['wrong issuer', tamperPayload(await ownToken(), { iss: 'https://evil.example' }), 'token-bad-iss'],
      [
        'alg none',
        unsignedJwt({ iss: server.issuer, aud: server.audience, exp: now + 60 }),
        'token-alg-not-allowed',
      ],
    ];
    for (const [label, token, reason] of bad) {
      const r = await postHook(h, oktaHookRequest(), `Bearer ${token}`);
      assert.equal(r.status, 401, label);
      assert.equal(r.challenge, 'Bearer realm="byot", error="invalid_token"', label);
      assert.equal(r.body.error?.errorSummary, 'Unauthorized', label);
      const refusals = captured.lines().filter((l) => l.msg === 'hook refused: authentication failed');
      assert.equal(refusals.at(-1)?.reason, reason, label);
      assert.ok(
        !captured.text().includes(token.split('.')[2] || token),
        `${label}: the token reached the log`,
      );
    }
    assert.equal(
      captured.lines().filter((l) => l.msg === 'hook refused: authentication failed').length,
      bad.length,
    );
    const none = await postHook(h, oktaHookRequest(), null);
    assert.equal(none.status, 401);
    assert.equal(
      none.challenge,
      'Bearer realm="byot"',
      'no token: a challenge without an error code (RFC 6750 §3.1)',
    );
    const trailing = await postHook(h, oktaHookRequest(), `Bearer ${await ownToken()} extra`);
    assert.equal(trailing.status, 401);
    assert.equal(await h.queued(), 0, 'a refused hook enqueued a job');
  });

  it('header,oauth: either the header secret or a bearer token, during a migration', async () => {
    const h = await startHarness({
      authenticator: new AnyOfAuthenticators([
        new HeaderSecretAuthenticator('authorization', SECRET),
        new BearerTokenAuthenticator(verifier()),
      ]),
    });
    assert.equal((await postHook(h, oktaHookRequest(), SECRET)).status, 200);
    assert.equal((await postHook(h, oktaHookRequest(), `Bearer ${await ownToken()}`)).status, 200);
    const wrong = await postHook(h, oktaHookRequest(), `Bearer ${tamperSignature(await ownToken())}`);
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.challenge), /error="invalid_token"/);
    assert.equal((await postHook(h, oktaHookRequest(), 'Basic wrong')).status, 401);
  });
});
