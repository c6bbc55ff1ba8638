/**
 * The hook on plain node:http (src/http/hook-route.ts) against the Express chain it replaced on that path: the same
 * requests to two apps built alike — one with the plain route, one with `plainHookRoute: false` (the release
 * before's route) — each on its own keyspace of one real Redis, must get the same status, the same headers (all
 * of them but Date, in order; Content-Length its body's), the same body, the same log lines and the same metric labels.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DeliveryStore, OutcomeListener } from '@byot/delivery/records';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  waitUntilReady,
} from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { oktaHookRequest, sharedTestRedis, TEST_OKTA_ORG, uniquePrefix } from '@byot/testkit';
import { createApp, TELEPHONY_HOOK_PATH } from '../src/app.ts';
import type { AuthResult, HookAuthenticator } from '../src/auth/hook-authenticator.ts';
import { Dispatcher } from '../src/delivery/dispatcher.ts';
import type { HookTenant, HookTenants } from '../src/tenants/hook-tenants.ts';
import { capturedLogger } from './support/oauth-fixtures.ts';

const SECRET = 'Basic b2t0YTpzM2NyZXQtZm9yLXRlc3Rz';
const MAX_BODY = 4_096;

/** The header secret, a bearer-style challenge when it is wrong, and a throw on demand (an unexpected error). */
const authenticator: HookAuthenticator = {
  async authenticate(headers): Promise<AuthResult> {
    if (headers['x-test-throw'] !== undefined) throw new Error('authenticator exploded');
    if (headers.authorization === SECRET) return { ok: true, scheme: 'header' };
    if (headers.authorization === undefined) return { ok: false, reason: 'missing-credentials' };
    return {
      ok: false,
      reason: 'bad-credentials',
      scheme: 'oauth',
      challenge: 'Bearer error="invalid_token"',
    };
  },
};
const parse = { defaultRegion: 'US', minLifetimeMs: 5_000 };
const tenants: HookTenants = {
  shared: true,
  forHook: (id) =>
    ({
      default: { id: 'default', authenticator, parse },
      acme: { id: 'acme', authenticator, parse, oktaOrg: TEST_OKTA_ORG },
    })[id] as HookTenant | undefined,
};

interface Side {
  url: string;
  lines: () => Record<string, unknown>[];
  counted: string[];
  close(): Promise<void>;
}

let redisUrl: string;
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});

async function startSide(plain: boolean, options: { queueUp: boolean; budgetMs: number }): Promise<Side> {
  const keyspace = createKeyspace(uniquePrefix('hookroute'));
  const producer = createRedisConnection({
    url: redisUrl,
    role: 'producer',
    name: 'p',
    commandTimeoutMs: 2_000,
  });
  const subscriber = createRedisConnection({ url: redisUrl, role: 'subscriber', name: 's' });
  await waitUntilReady(producer);
  const outcomes = new OutcomeListener(subscriber, keyspace);
  await outcomes.start();
  const queues = {
    sms: createSendQueue('sms', producer, keyspace),
    voice: createSendQueue('voice', producer, keyspace),
  };
  await Promise.all(Object.values(queues).map((q) => q.getJobCounts('waiting')));
  const captured = capturedLogger();
  const counted: string[] = [];
  const app = createApp({
    tenants,
    plainHookRoute: plain,
    dispatcher: new Dispatcher({
      queues,
      store: new DeliveryStore(producer, keyspace, 60_000),
      outcomes,
      sealer: createSealer(randomBytes(32)),
      log: captured.log,
      enqueueTimeoutMs: 2_000,
      maxOtpLifetimeMs: 1_800_000,
      queueConnected: () => options.queueUp,
    }),
    parse,
    budgetMs: options.budgetMs,
    maxBodyBytes: MAX_BODY,
    log: captured.log,
    metrics: {
      hookAnswered: (answer, requestType, _seconds, tenant) =>
        counted.push(`${answer} ${requestType} ${tenant}`),
    },
    isReady: async () => true,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    lines: captured.lines,
    counted,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all(Object.values(queues).map((q) => closeQueue(q, 500)));
      await Promise.all([closeRedis(producer), closeRedis(subscriber)]);
    },
  };
}

interface Call {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

interface Answer {
  status: number;
  headers: string[];
  body: string;
}

function call(base: string, c: Call): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = c.body === undefined ? undefined : Buffer.from(c.body);
    const req = request(
      `${base}${c.path ?? TELEPHONY_HOOK_PATH}`,
      {
        method: c.method ?? 'POST',
        headers: {
          ...(body !== undefined && !c.chunked ? { 'content-length': String(body.length) } : {}),
          ...c.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if ((res.rawHeaders[i] as string).toLowerCase() === 'date') continue;
            headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    if (c.chunked && body !== undefined) {
      req.write(body.subarray(0, 10));
      req.write(body.subarray(10));
    }
    req.end(c.chunked ? undefined : body);
  });
}

/** What may differ between two answers of the same hook: how long it waited, and the log lines' own times. */
const normalize = (text: string) => text.replace(/waited=\d+ms/g, 'waited=Nms');
const logOf = (lines: Record<string, unknown>[]) =>
  lines.map(({ time: _t, pid: _p, hostname: _h, elapsedMs: _e, err, ...rest }) => ({
    ...rest,
    ...(err ? { err: (err as { message?: string }).message } : {}),
  }));

const json = (value: unknown) => JSON.stringify(value);
const jsonHeaders = (more: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  authorization: SECRET,
  ...more,
});

/** Each case builds its request from a fresh hook (one per case, the same on both sides). */
const CASES: [string, (hook: ReturnType<typeof oktaHookRequest>) => Call][] = [
  ['accepted (PENDING), default tenant', (hook) => ({ headers: jsonHeaders(), body: json(hook) })],
  [
    'accepted, charset and a query string',
    (hook) => ({
      path: `${TELEPHONY_HOOK_PATH}?x=1`,
      headers: jsonHeaders({ 'content-type': 'application/json; charset=utf-8' }),
      body: json(hook),
    }),
  ],
  [
    'accepted, a tenant path',
    (hook) => ({ path: `${TELEPHONY_HOOK_PATH}/acme`, headers: jsonHeaders(), body: json(hook) }),
  ],
  ['accepted, a byte-order mark', (hook) => ({ headers: jsonHeaders(), body: `\uFEFF${json(hook)}` })],
  [
    'accepted, gzip (Express reads it)',
    (hook) => ({
      headers: jsonHeaders({ 'content-encoding': 'gzip' }),
      body: gzipSync(json(hook)),
    }),
  ],
  [
    'accepted, chunked (Express reads it)',
    (hook) => ({ headers: jsonHeaders(), body: json(hook), chunked: true }),
  ],
  [
    'accepted, +json media type (Express reads it)',
    (hook) => ({
      headers: jsonHeaders({ 'content-type': 'application/cloudevents+json' }),
      body: json(hook),
    }),
  ],
  [
    'refused: source outside the tenant org',
    (hook) => ({
      path: `${TELEPHONY_HOOK_PATH}/acme`,
      headers: jsonHeaders(),
      body: json({ ...hook, source: 'https://evil.example.com/hook?secret=1' }),
    }),
  ],
  [
    'unknown tenant',
    (hook) => ({ path: `${TELEPHONY_HOOK_PATH}/nobody`, headers: jsonHeaders(), body: json(hook) }),
  ],
  [
    'not a tenant id',
    (hook) => ({ path: `${TELEPHONY_HOOK_PATH}/-Bad-`, headers: jsonHeaders(), body: json(hook) }),
  ],
  [
    'trailing slash (Express routes it)',
    (hook) => ({
      path: `${TELEPHONY_HOOK_PATH}/`,
      headers: jsonHeaders(),
      body: json(hook),
    }),
  ],
  [
    'upper-case path (Express routes it)',
    (hook) => ({
      path: TELEPHONY_HOOK_PATH.toUpperCase(),
      headers: jsonHeaders(),
      body: json(hook),
    }),
  ],
  ['GET', () => ({ method: 'GET', headers: { authorization: SECRET } })],
  ['no credentials', (hook) => ({ headers: { 'content-type': 'application/json' }, body: json(hook) })],
  [
    'wrong credentials (a challenge)',
    (hook) => ({
      headers: jsonHeaders({ authorization: 'Basic nope' }),
      body: json(hook),
    }),
  ],
  [
    'wrong credentials, tenant path',
    (hook) => ({
      path: `${TELEPHONY_HOOK_PATH}/acme`,
      headers: jsonHeaders({ authorization: 'Basic nope' }),
      body: json(hook),
    }),
  ],
  [
    'authenticator throws (500)',
    (hook) => ({ headers: jsonHeaders({ 'x-test-throw': '1' }), body: json(hook) }),
  ],
  ['not JSON', () => ({ headers: jsonHeaders(), body: '{"eventId": ' })],
  ['JSON but not an object', () => ({ headers: jsonHeaders(), body: ' "a string"' })],
  ['JSON null', () => ({ headers: jsonHeaders(), body: 'null' })],
  ['empty body', () => ({ headers: jsonHeaders(), body: '' })],
  ['an array', () => ({ headers: jsonHeaders(), body: '[]' })],
  ['not a hook (schema)', (hook) => ({ headers: jsonHeaders(), body: json({ ...hook, data: { nope: 1 } }) })],
  [
    'a number that is not one (FAILED)',
    (hook) => ({
      headers: jsonHeaders(),
      body: json({
        ...hook,
        data: { ...hook.data, messageProfile: { ...hook.data.messageProfile, phoneNumber: '+1555' } },
      }),
    }),
  ],
  ['no content type', (hook) => ({ headers: { authorization: SECRET }, body: json(hook) })],
  ['text/plain', (hook) => ({ headers: jsonHeaders({ 'content-type': 'text/plain' }), body: json(hook) })],
  [
    'another charset',
    (hook) => ({
      headers: jsonHeaders({ 'content-type': 'application/json; charset=latin1' }),
      body: json(hook),
    }),
  ],
  [
    'unknown content encoding',
    (hook) => ({
      headers: jsonHeaders({ 'content-encoding': 'x-nope' }),
      body: json(hook),
    }),
  ],
  [
    'oversize body',
    (hook) => ({
      headers: jsonHeaders(),
      body: json({ ...hook, padding: 'x'.repeat(MAX_BODY) }),
    }),
  ],
  [
    'oversize body, chunked',
    (hook) => ({
      headers: jsonHeaders(),
      body: json({ ...hook, padding: 'x'.repeat(MAX_BODY) }),
      chunked: true,
    }),
  ],
  [
    'oversize body, no credentials',
    (hook) => ({
      headers: { 'content-type': 'application/json' },
      body: json({ ...hook, padding: 'x'.repeat(MAX_BODY) }),
    }),
  ],
];

for (const setup of [
  { name: 'queue up, budget 0 (PENDING)', queueUp: true, budgetMs: 0 },
  { name: 'queue down (503, Okta falls back)', queueUp: false, budgetMs: 200 },
]) {
  describe(`plain hook route vs the Express route: ${setup.name}`, () => {
    let express: Side;
    let plain: Side;
    before(async () => {
      express = await startSide(false, setup);
      plain = await startSide(true, setup);
    });
    after(async () => {
      await Promise.all([express.close(), plain.close()]);
    });

    for (const [name, build] of CASES) {
      it(`${name}: same status, headers, body, log lines and metrics`, async () => {
        const hook = oktaHookRequest();
        const request = build(hook);
        const expressLines = express.lines().length;
        const plainLines = plain.lines().length;
        const expressCounted = express.counted.length;
        const plainCounted = plain.counted.length;
        const before = await call(express.url, request);
        const now = await call(plain.url, request);
        assert.equal(now.status, before.status);
        // Content-Length follows the body (a PENDING answer says how many ms it waited): each its own body's.
        for (const answer of [before, now])
          assert.ok(
            answer.headers.includes(`Content-Length: ${Buffer.byteLength(answer.body)}`),
            answer.headers.join(),
          );
        const otherThanLength = (headers: string[]) =>
          headers.filter((h) => !h.startsWith('Content-Length:'));
        assert.deepEqual(otherThanLength(now.headers), otherThanLength(before.headers));
        assert.equal(normalize(now.body), normalize(before.body));
        // Log lines and metrics are written once the answer is out: give both sides the same moment.
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(logOf(plain.lines().slice(plainLines)), logOf(express.lines().slice(expressLines)));
        assert.deepEqual(plain.counted.slice(plainCounted), express.counted.slice(expressCounted));
      });
    }
  });
}

describe('the plain hook route answers what matters', () => {
  it('PENDING for an accepted hook, 401 without the secret, 413 for an oversize body', async () => {
    const side = await startSide(true, { queueUp: true, budgetMs: 0 });
    try {
      const hook = oktaHookRequest();
      const accepted = await call(side.url, { headers: jsonHeaders(), body: json(hook) });
      assert.equal(accepted.status, 200);
      assert.equal(
        (JSON.parse(accepted.body) as { commands: { value: { status: string }[] }[] }).commands[0]?.value[0]
          ?.status,
        'PENDING',
      );
      const refused = await call(side.url, {
        headers: { 'content-type': 'application/json' },
        body: json(hook),
      });
      assert.equal(refused.status, 401);
      const oversize = await call(side.url, {
        headers: jsonHeaders(),
        body: json({ ...hook, padding: 'x'.repeat(MAX_BODY) }),
      });
      assert.equal(oversize.status, 413);
      assert.deepEqual(side.counted.slice(0, 2), ['pending mfa default', 'rejected unknown default']);
    } finally {
      await side.close();
    }
  });
});
