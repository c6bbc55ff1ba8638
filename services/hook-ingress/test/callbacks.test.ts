/**
 * Status-callback intake against a real Redis and the real provider simulator: the simulator sends the callbacks,
 * signed by its own signing code exactly as each provider signs them, to the ingress, which must verify,
 * normalise and enqueue them (and refuse forged, re-signed, tampered, stale or malformed ones, enqueueing nothing).
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseEnv } from '@byot/config';
import type { StatusEvent } from '@byot/contracts';
import { createLogger } from '@byot/observability';
import { obj, postForm, request, startTestSimulator, type TestSimulator } from '@byot/provider-sim/testing';
import { callbackPath } from '@byot/providers/registry';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createStatusQueue,
  type StatusQueue,
  waitUntilReady,
} from '@byot/redis';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import { importPKCS8, SignJWT } from 'jose';
import twilio from 'twilio';
import { createApp } from '../src/app.ts';
import { HeaderSecretAuthenticator } from '../src/auth/hook-authenticator.ts';
import { QueueStatusSink } from '../src/callbacks/index.ts';
import { ingressEnvSchema } from '../src/config.ts';
import type { Dispatcher } from '../src/delivery/dispatcher.ts';

const TWILIO_TOKEN = 'callback-test-twilio-auth-token';
const VONAGE_SECRET = 'callback-test-vonage-signature-secret';
const SENDGRID_KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_PUBLIC = SENDGRID_KEY.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const SENDGRID_PRIVATE_PEM = SENDGRID_KEY.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const FAST = { delayMs: 5 };
/** The public paths providers are configured with, from each provider's folder. */
const CALLBACK_PATHS = {
  twilioMessages: callbackPath('twilio', 'sms'),
  twilioCalls: callbackPath('twilio', 'voice'),
  vonageSms: callbackPath('vonage', 'sms'),
  vonageVoice: callbackPath('vonage', 'voice'),
  sendgridEvents: callbackPath('sendgrid', 'email'),
};

interface Ingress {
  url: string;
  queue: StatusQueue;
  jobs(): Promise<StatusEvent[]>;
  close(): Promise<void>;
}

interface IngressOptions {
  redisDown?: boolean;
  twilio?: boolean;
  /** Vonage's signature secret; null: none set. */
  vonageSecret?: string | null;
  /** Vonage absent from SMS_PROVIDERS/VOICE_PROVIDERS (its settings are then not passed at all). */
  vonageConfigured?: boolean;
  /** VONAGE_CALLBACKS_ALLOW_UNSIGNED. */
  vonageAllowUnsigned?: boolean;
  sendgrid?: boolean;
}

/**
 * The sink's enqueue deadline in these tests. They are about signatures and normalising, not about the deadline
 * (the unreachable-Redis test answers 503 because the connection is not ready, at once): a loaded CI machine can
 * take longer than production's few hundred milliseconds for an enqueue, which answered a genuine callback 503.
 */
const ENQUEUE_TIMEOUT_MS = 3_000;

async function startIngress(redisUrl: string, options: IngressOptions = {}): Promise<Ingress> {
  const keyspace = createKeyspace(uniquePrefix('callbacks'));
  const log = createLogger({ service: 'test', level: 'silent' });
  const producer = createRedisConnection({
    url: redisUrl,
    role: 'producer',
    name: 'p',
    commandTimeoutMs: ENQUEUE_TIMEOUT_MS,
  });
  producer.on('error', () => {});
  const queue = createStatusQueue(producer, keyspace);
  queue.on('error', () => {});
  // The test's own housekeeping (obliterate between tests, reading the jobs back) goes through a connection of its
  // own with a patient timeout: the 300 ms of the producer is the ingress's, and a busy CI machine can exceed it
  // on an obliterate, which would fail every later test of the file for a reason none of them is about.
  const housekeeping = createRedisConnection({
    url: redisUrl,
    role: 'producer',
    name: 'test-housekeeping',
    commandTimeoutMs: 10_000,
  });
  housekeeping.on('error', () => {});
  const inspect = createStatusQueue(housekeeping, keyspace);
  inspect.on('error', () => {});
  // Like main.ts: start once Redis is there (an unreachable one is the 503 test's business).
  if (!options.redisDown) await waitUntilReady(producer, 2_000);
  // Listen first: Twilio signs the public URL, which needs the port.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const secret = options.vonageSecret === undefined ? VONAGE_SECRET : options.vonageSecret;
  const app = createApp({
    authenticator: new HeaderSecretAuthenticator('authorization', 'Basic not-used-in-these-tests'),
    dispatcher: {} as Dispatcher,
    parse: { defaultRegion: 'US', minLifetimeMs: 5_000 },
    budgetMs: 1_000,
    maxBodyBytes: 32_768,
    log,
    isReady: async () => true,
    callbacks: {
      sink: new QueueStatusSink(queue, {
        connected: () => producer.status === 'ready',
        timeoutMs: ENQUEUE_TIMEOUT_MS,
      }),
      log,
      maxBodyBytes: 16_384,
      ...(options.twilio === false ? {} : { twilio: { authToken: TWILIO_TOKEN, publicBaseUrl: url } }),
      ...(options.vonageConfigured === false
        ? {}
        : {
            vonage: {
              ...(secret === null ? {} : { signatureSecret: secret }),
              allowUnsigned: options.vonageAllowUnsigned ?? false,
            },
          }),
      ...(options.sendgrid === false ? {} : { sendgrid: { publicKey: SENDGRID_PUBLIC } }),
    },
  });
  server.on('request', app);
  return {
    url,
    queue: inspect,
    jobs: async () => {
      const jobs = await inspect.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
      return jobs
        .map((j) => j.data as StatusEvent)
        .sort((a, b) => a.receivedAt - b.receivedAt || (a.sequence ?? 0) - (b.sequence ?? 0));
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await closeQueue(queue, 500);
      await closeQueue(inspect, 500);
      await closeRedis(producer);
      await closeRedis(housekeeping);
    },
  };
}

let redisUrl: string;
let ingress: Ingress;
let t: TestSimulator;

before(async () => {
  redisUrl = (await sharedTestRedis()).url;
  ingress = await startIngress(redisUrl);
  t = await startTestSimulator({
    twilio: { authToken: TWILIO_TOKEN },
    vonage: { signatureSecret: VONAGE_SECRET },
    callbacks: {
      sendgridEventUrl: `${ingress.url}${CALLBACK_PATHS.sendgridEvents}`,
      sendgridEventPrivateKey: SENDGRID_PRIVATE_PEM,
      retryDelaysMs: [20, 20],
    },
  });
});
after(async () => {
  await t.close();
  await ingress.close();
});
beforeEach(async () => {
  t.sim.callbacks.clear();
  t.sim.store.clear();
  for (const provider of ['twilio', 'vonage', 'sendgrid'] as const) t.sim.callbackSettings.reset(provider);
  await ingress.queue.obliterate({ force: true });
});

async function setCallbacks(provider: string, settings: unknown): Promise<void> {
  const res = await request(`${t.url}/sim/callbacks/${provider}`, { method: 'PUT', json: settings });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** The simulator's log of what it sent for `sid`, in order, with what the ingress answered. */
function sent(sid: string) {
  return t.sim.callbacks.list({ sid }).sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0));
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

describe('Twilio status callbacks', () => {
  const messagesUrl = () => `${ingress.url}${CALLBACK_PATHS.twilioMessages}?d=byot-evt-1`;
  const callsUrl = () => `${ingress.url}${CALLBACK_PATHS.twilioCalls}`;

  async function sendSms(statusCallback: string): Promise<string> {
    const res = await postForm(
      `${t.accountUrl}/Messages.json`,
      {
        To: '+15551234567',
        From: '+15557654321',
        Body: 'Your code is 482913',
        StatusCallback: statusCallback,
      },
      { authorization: t.authorization },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return String(obj(res.body).sid);
  }

  /** A callback as Twilio sends it, signed with twilio's own helper for `url`. */
  function signed(url: string, params: Record<string, string>, token = TWILIO_TOKEN) {
    return {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params),
    };
  }

  const smsParams = (sid: string, status = 'delivered'): Record<string, string> => ({
    AccountSid: t.sim.twilio.accountSid,
    ApiVersion: '2010-04-01',
    MessageSid: sid,
    MessageStatus: status,
    SmsSid: sid,
    SmsStatus: status,
    To: '+15551234567',
    From: '+15557654321',
  });

  it('accepts the simulator’s signed message callbacks (query string included) and enqueues them normalised', async () => {
    await setCallbacks('twilio', FAST);
    const sid = await sendSms(messagesUrl());
    await t.sim.callbacks.idle();
    assert.deepEqual(
      sent(sid).map((c) => [c.status, c.responseStatus]),
      [
        ['sent', 204],
        ['delivered', 204],
      ],
    );
    const events = await ingress.jobs();
    assert.deepEqual(
      events.map((e) => [e.provider, e.channel, e.providerMessageId, e.status, e.rawStatus]).sort(),
      [
        ['twilio', 'sms', sid, 'delivered', 'delivered'],
        ['twilio', 'sms', sid, 'sent', 'sent'],
      ],
    );
    for (const e of events) {
      assert.equal(e.version, 1);
      assert.equal(typeof e.receivedAt, 'number');
      assert.equal(e.occurredAt, e.receivedAt);
      assert.ok(!JSON.stringify(e).includes('5551234567'), 'no phone number in the event');
      assert.ok(!JSON.stringify(e).includes('482913'), 'no message text in the event');
    }
  });

  it('carries ErrorCode for undelivered', async () => {
    await setCallbacks('twilio', { sms: { undelivered: 1, errorCode: 30003 }, ...FAST });
    const sid = await sendSms(messagesUrl());
    await t.sim.callbacks.idle();
    const final = (await ingress.jobs()).find((e) => e.rawStatus === 'undelivered');
    assert.deepEqual(
      { status: final?.status, errorCode: final?.errorCode, id: final?.providerMessageId },
      { status: 'undelivered', errorCode: '30003', id: sid },
    );
  });

  it('accepts call progress events with their SequenceNumber and Timestamp', async () => {
    await setCallbacks('twilio', FAST);
    const res = await postForm(
      `${t.accountUrl}/Calls.json`,
      [
        ['To', '+15551234567'],
        ['From', '+15557654321'],
        ['Twiml', '<Response><Say>Your code is 4 8 2</Say></Response>'],
        ['StatusCallback', callsUrl()],
        ['StatusCallbackEvent', 'initiated'],
        ['StatusCallbackEvent', 'ringing'],
        ['StatusCallbackEvent', 'answered'],
        ['StatusCallbackEvent', 'completed'],
      ],
      { authorization: t.authorization },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sid = String(obj(res.body).sid);
    await t.sim.callbacks.idle();
    assert.ok(
      sent(sid).every((c) => c.responseStatus === 204),
      JSON.stringify(sent(sid)),
    );
    const events = (await ingress.jobs()).sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    assert.deepEqual(
      events.map((e) => [e.channel, e.providerMessageId, e.rawStatus, e.status, e.sequence]),
      [
        ['voice', sid, 'initiated', 'queued', 0],
        ['voice', sid, 'ringing', 'ringing', 1],
        ['voice', sid, 'in-progress', 'answered', 2],
        ['voice', sid, 'completed', 'completed', 3],
      ],
    );
    for (const e of events) {
      assert.ok(Math.abs(e.occurredAt - e.receivedAt) < 5_000);
      assert.equal(e.occurredAt % 1000, 0, 'from the RFC 2822 Timestamp (second precision)');
    }
  });

  it('accepts a callback signed with twilio’s getExpectedTwilioSignature; exact duplicates collapse', async () => {
    const params = smsParams('SM00000000000000000000000000000001');
    for (let i = 0; i < 2; i++) {
      const r = await post(messagesUrl(), form(params), signed(messagesUrl(), params));
      assert.equal(r.status, 204);
    }
    const events = await ingress.jobs();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.providerMessageId, 'SM00000000000000000000000000000001');
  });

  it('refuses a forged signature (wrong token), no signature, a callback re-signed for another URL, and a tampered one', async () => {
    const params = smsParams('SM00000000000000000000000000000002');
    const cases: [string, string, Record<string, string>][] = [
      ['wrong token', form(params), signed(messagesUrl(), params, 'not-the-auth-token-at-all')],
      ['no signature', form(params), { 'content-type': 'application/x-www-form-urlencoded' }],
      [
        'signed for another host',
        form(params),
        signed(`https://attacker.example${CALLBACK_PATHS.twilioMessages}?d=byot-evt-1`, params),
      ],
      [
        'signed for another query',
        form(params),
        signed(`${ingress.url}${CALLBACK_PATHS.twilioMessages}?d=other`, params),
      ],
      ['signed for the calls path', form(params), signed(callsUrl(), params)],
      [
        'tampered body',
        form({ ...params, MessageStatus: 'undelivered', ErrorCode: '30003' }),
        signed(messagesUrl(), params),
      ],
    ];
    for (const [name, body, headers] of cases) {
      const r = await post(messagesUrl(), body, headers);
      assert.equal(r.status, 403, name);
      assert.deepEqual(r.body, { error: 'signature verification failed' }, name);
    }
    // A Host header naming the host the callback was signed for changes nothing: the URL is PUBLIC_BASE_URL's.
    const forHost = `http://hooks.attacker.example${CALLBACK_PATHS.twilioMessages}?d=byot-evt-1`;
    const r = await post(messagesUrl(), form(params), {
      ...signed(forHost, params),
      'x-forwarded-host': 'hooks.attacker.example',
    });
    assert.equal(r.status, 403);
    assert.deepEqual(await ingress.jobs(), []);
  });

  it('replaying a genuine simulator callback with one parameter changed is refused', async () => {
    await setCallbacks('twilio', { sms: { failed: 1 }, ...FAST });
    const sid = await sendSms(messagesUrl());
    await t.sim.callbacks.idle();
    await ingress.queue.obliterate({ force: true });
    const genuine = sent(sid)[0];
    assert.ok(genuine?.headers && genuine.payload);
    const payload = genuine.payload as Record<string, string>;
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': genuine.headers['X-Twilio-Signature'] ?? '',
    };
    assert.equal(
      (await post(messagesUrl(), form({ ...payload, MessageStatus: 'delivered' }), headers)).status,
      403,
    );
    assert.equal((await post(messagesUrl(), form({ ...payload, Extra: 'x' }), headers)).status, 403);
    assert.deepEqual(await ingress.jobs(), []);
    // Unchanged, it is still good (and enqueued again: the first job was removed above).
    assert.equal((await post(messagesUrl(), form(payload), headers)).status, 204);
    assert.equal((await ingress.jobs()).length, 1);
  });

  it('answers 400 to a genuine but malformed callback, and enqueues nothing', async () => {
    const noStatus = { MessageSid: 'SM00000000000000000000000000000003', AccountSid: 'AC1' };
    assert.equal((await post(messagesUrl(), form(noStatus), signed(messagesUrl(), noStatus))).status, 400);
    const badSid = { MessageSid: 'SM 1/../x', MessageStatus: 'delivered' };
    assert.equal((await post(messagesUrl(), form(badSid), signed(messagesUrl(), badSid))).status, 400);
    const noCallSid = { CallStatus: 'completed' };
    assert.equal((await post(callsUrl(), form(noCallSid), signed(callsUrl(), noCallSid))).status, 400);
    assert.deepEqual(await ingress.jobs(), []);
  });

  it('caps the body size', async () => {
    const params = { ...smsParams('SM00000000000000000000000000000004'), Padding: 'x'.repeat(20_000) };
    assert.equal((await post(messagesUrl(), form(params), signed(messagesUrl(), params))).status, 413);
  });
});

describe('Vonage SMS delivery receipts', () => {
  const dlrUrl = () => `${ingress.url}${CALLBACK_PATHS.vonageSms}`;

  async function sendSms(): Promise<string> {
    const res = await request(`${t.url}/sms/json`, {
      method: 'POST',
      json: {
        api_key: t.sim.vonage.apiKey,
        api_secret: t.sim.vonage.apiSecret,
        from: 'ACME',
        to: '15551234567',
        text: 'Your code is 482913',
        callback: dlrUrl(),
      },
    });
    const message = (obj(res.body).messages as Record<string, string>[])[0];
    assert.equal(message?.status, '0', JSON.stringify(res.body));
    return String(message?.['message-id']);
  }

  /** Vonage's documented SHA-256 HMAC signing, as the simulator does it (its receipts are accepted below). */
  function signDlr(params: Record<string, string>, secret = VONAGE_SECRET): Record<string, string> {
    const { sig: _sig, ...rest } = params;
    const data = Object.keys(rest)
      .sort()
      .map((k) => `&${k}=${(rest[k] ?? '').replace(/[&=]/g, '_')}`)
      .join('');
    return { ...rest, sig: createHmac('sha256', secret).update(data).digest('hex').toUpperCase() };
  }

  const receipt = (id: string, extra: Record<string, string> = {}) =>
    signDlr({
      msisdn: '15551234567',
      to: 'ACME',
      messageId: id,
      status: 'delivered',
      'err-code': '0',
      'message-timestamp': '2026-01-01 00:00:00',
      timestamp: String(Math.floor(Date.now() / 1000)),
      nonce: randomUUID(),
      ...extra,
    });

  const json = { 'content-type': 'application/json' };

  it('accepts the simulator’s signed receipts and enqueues accepted → sent, delivered → delivered', async () => {
    await setCallbacks('vonage', { sms: { delivered: 1 }, ...FAST });
    const id = await sendSms();
    await t.sim.callbacks.idle();
    assert.deepEqual(
      sent(id).map((c) => [c.status, c.responseStatus]),
      [
        ['accepted', 204],
        ['delivered', 204],
      ],
    );
    const events = await ingress.jobs();
    assert.deepEqual(
      events
        .map((e) => [e.provider, e.channel, e.providerMessageId, e.rawStatus, e.status, e.errorCode])
        .sort(),
      [
        ['vonage', 'sms', id, 'accepted', 'sent', undefined],
        ['vonage', 'sms', id, 'delivered', 'delivered', undefined],
      ],
    );
    for (const e of events) {
      assert.ok(Math.abs(e.occurredAt - e.receivedAt) < 5_000, 'from message-timestamp');
      assert.ok(!JSON.stringify(e).includes('15551234567'));
    }
  });

  it('carries err-code for failed', async () => {
    await setCallbacks('vonage', { sms: { failed: 1, errorCode: 1 }, ...FAST });
    const id = await sendSms();
    await t.sim.callbacks.idle();
    const events = await ingress.jobs();
    assert.deepEqual(
      events.map((e) => [e.providerMessageId, e.status, e.errorCode]),
      [[id, 'failed', '1']],
    );
  });

  it('refuses forged, tampered, unsigned and stale receipts (403) and malformed ones (400), enqueueing nothing', async () => {
    await setCallbacks('vonage', { sms: { rejected: 1, errorCode: 6 }, ...FAST });
    const id = await sendSms();
    await t.sim.callbacks.idle();
    await ingress.queue.obliterate({ force: true });
    const genuine = sent(id)[0]?.payload as Record<string, string>;
    assert.ok(genuine?.sig);

    const forbidden: [string, unknown][] = [
      ['tampered status', { ...genuine, status: 'delivered', 'err-code': '0' }],
      ['added field', { ...genuine, extra: '1' }],
      ['forged with another secret', signDlr({ ...genuine }, 'another-signature-secret-x')],
      [
        'unsigned',
        Object.fromEntries(
          Object.entries(genuine).filter(([k]) => !['sig', 'timestamp', 'nonce'].includes(k)),
        ),
      ],
      ['stale', receipt(id, { timestamp: String(Math.floor(Date.now() / 1000) - 600) })],
      ['from the future', receipt(id, { timestamp: String(Math.floor(Date.now() / 1000) + 600) })],
    ];
    for (const [name, body] of forbidden) {
      assert.equal((await post(dlrUrl(), JSON.stringify(body), json)).status, 403, name);
    }
    const bad: [string, string][] = [
      ['no messageId', JSON.stringify(receipt('', {}))],
      ['an array', '[1,2]'],
      ['not JSON', '{"messageId":'],
      ['nested value', JSON.stringify({ ...genuine, nested: { a: 1 } })],
    ];
    for (const [name, body] of bad) {
      assert.equal((await post(dlrUrl(), body, json)).status, 400, name);
    }
    assert.deepEqual(await ingress.jobs(), []);
    // The genuine receipt itself still passes.
    assert.equal((await post(dlrUrl(), JSON.stringify(genuine), json)).status, 204);
    assert.deepEqual(
      (await ingress.jobs()).map((e) => [e.status, e.errorCode]),
      [['rejected', '6']],
    );
  });
});

describe('Vonage voice events', () => {
  const eventUrl = () => `${ingress.url}${CALLBACK_PATHS.vonageVoice}`;

  async function placeCall(): Promise<string> {
    const key = await importPKCS8(t.vonagePrivateKey ?? '', 'RS256');
    const jwt = await new SignJWT({ application_id: t.sim.vonage.applicationId })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(key);
    const res = await request(`${t.url}/v1/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}` },
      json: {
        to: [{ type: 'phone', number: '15551234567' }],
        from: { type: 'phone', number: '15557654321' },
        ncco: [{ action: 'talk', text: 'Your code is 4 8 2 9 1 3' }],
        event_url: [eventUrl()],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return String(obj(res.body).uuid);
  }

  async function webhookJwt(
    body: string,
    options: { secret?: string; alg?: string; iatOffsetS?: number; hash?: string | null } = {},
  ) {
    const claims: Record<string, unknown> = { api_key: 'k', application_id: 'app' };
    if (options.hash !== null)
      claims.payload_hash = options.hash ?? createHash('sha256').update(body).digest('hex');
    return new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .setIssuer('Vonage')
      .setIssuedAt(Math.floor(Date.now() / 1000) + (options.iatOffsetS ?? 0))
      .setJti(randomUUID())
      .sign(new TextEncoder().encode(options.secret ?? VONAGE_SECRET));
  }

  it('accepts the simulator’s JWT-signed events and enqueues them normalised', async () => {
    await setCallbacks('vonage', { voice: { unanswered: 1 }, ...FAST });
    const uuid = await placeCall();
    await t.sim.callbacks.idle();
    assert.deepEqual(
      sent(uuid).map((c) => [c.status, c.responseStatus]),
      [
        ['started', 204],
        ['ringing', 204],
        ['unanswered', 204],
      ],
    );
    const events = await ingress.jobs();
    assert.deepEqual(
      events.map((e) => [e.provider, e.channel, e.providerMessageId, e.rawStatus, e.status]).sort(),
      [
        ['vonage', 'voice', uuid, 'ringing', 'ringing'],
        ['vonage', 'voice', uuid, 'started', 'queued'],
        ['vonage', 'voice', uuid, 'unanswered', 'no-answer'],
      ],
    );
  });

  it('refuses a tampered body, a forged or stale JWT, another algorithm, a missing token (403); malformed (400)', async () => {
    await setCallbacks('vonage', { voice: { completed: 1 }, ...FAST });
    const uuid = await placeCall();
    await t.sim.callbacks.idle();
    await ingress.queue.obliterate({ force: true });
    const genuine = sent(uuid).find((c) => c.status === 'completed');
    assert.ok(genuine?.headers?.Authorization);
    const auth = genuine.headers.Authorization;
    const body = JSON.stringify(genuine.payload);
    const tampered = JSON.stringify({ ...(genuine.payload as object), status: 'failed' });
    const json = { 'content-type': 'application/json' };

    const cases: [string, string, Record<string, string>][] = [
      ['tampered body, genuine token', tampered, { ...json, authorization: auth }],
      ['no token', body, json],
      [
        'forged secret',
        body,
        {
          ...json,
          authorization: `Bearer ${await webhookJwt(body, { secret: 'wrong-secret-wrong-secret' })}`,
        },
      ],
      ['HS512', body, { ...json, authorization: `Bearer ${await webhookJwt(body, { alg: 'HS512' })}` }],
      [
        'stale iat',
        body,
        { ...json, authorization: `Bearer ${await webhookJwt(body, { iatOffsetS: -900 })}` },
      ],
      [
        'iat in the future',
        body,
        { ...json, authorization: `Bearer ${await webhookJwt(body, { iatOffsetS: 900 })}` },
      ],
      [
        'no payload_hash',
        body,
        { ...json, authorization: `Bearer ${await webhookJwt(body, { hash: null })}` },
      ],
    ];
    for (const [name, b, headers] of cases) {
      const r = await post(eventUrl(), b, headers);
      assert.equal(r.status, 403, name);
    }
    const array = '[{"uuid":"x"}]';
    assert.equal(
      (await post(eventUrl(), array, { ...json, authorization: `Bearer ${await webhookJwt(array)}` })).status,
      400,
    );
    const noUuid = JSON.stringify({ status: 'completed' });
    assert.equal(
      (await post(eventUrl(), noUuid, { ...json, authorization: `Bearer ${await webhookJwt(noUuid)}` }))
        .status,
      400,
    );
    assert.deepEqual(await ingress.jobs(), []);
    assert.equal((await post(eventUrl(), body, { ...json, authorization: auth })).status, 204);
    assert.deepEqual(
      (await ingress.jobs()).map((e) => [e.providerMessageId, e.status]),
      [[uuid, 'completed']],
    );
  });
});

describe('SendGrid events', () => {
  const eventsUrl = () => `${ingress.url}${CALLBACK_PATHS.sendgridEvents}`;

  async function sendMail(): Promise<string> {
    const res = await request(`${t.url}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.sim.sendgrid.apiKey}` },
      json: {
        personalizations: [{ to: [{ email: 'person@example.com' }] }],
        from: { email: 'no-reply@byot.example' },
        subject: 'Your code',
        content: [{ type: 'text/plain', value: 'Your code is 482913' }],
      },
    });
    assert.equal(res.status, 202);
    return res.headers.get('x-message-id') ?? '';
  }

  function signedHeaders(
    body: string,
    timestamp = String(Math.floor(Date.now() / 1000)),
    key = SENDGRID_KEY.privateKey,
  ) {
    return {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-timestamp': timestamp,
      'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.from(timestamp + body), {
        key,
        dsaEncoding: 'der',
      }).toString('base64'),
    };
  }

  it('accepts the simulator’s ECDSA-signed batches and enqueues one event per entry, by X-Message-Id', async () => {
    await setCallbacks('sendgrid', { bounce: 1, ...FAST });
    const messageId = await sendMail();
    await t.sim.callbacks.idle();
    assert.deepEqual(
      sent(messageId).map((c) => [c.status, c.responseStatus]),
      [
        ['processed', 204],
        ['bounce', 204],
      ],
    );
    const events = await ingress.jobs();
    assert.deepEqual(
      events
        .map((e) => [e.provider, e.channel, e.providerMessageId, e.rawStatus, e.status, e.errorCode])
        .sort(),
      [
        ['sendgrid', 'email', messageId, 'bounce', 'undelivered', '5.1.1'],
        ['sendgrid', 'email', messageId, 'processed', 'queued', undefined],
      ],
    );
    assert.ok(
      events.every((e) => !JSON.stringify(e).includes('@')),
      'no e-mail address',
    );
  });

  it('refuses tampered, forged and stale batches (403) and malformed ones (400)', async () => {
    await setCallbacks('sendgrid', FAST);
    const messageId = await sendMail();
    await t.sim.callbacks.idle();
    await ingress.queue.obliterate({ force: true });
    const genuine = sent(messageId)[1];
    assert.ok(genuine?.headers);
    const body = JSON.stringify(genuine.payload);
    const headers = { ...genuine.headers, 'content-type': 'application/json' };
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const old = String(Math.floor(Date.now() / 1000) - 600);
    const cases: [string, string, Record<string, string>][] = [
      ['tampered body', body.replace('"delivered"', '"bounce"'), headers],
      ['whitespace added', `${body} `, headers],
      ['other timestamp', body, { ...headers, 'X-Twilio-Email-Event-Webhook-Timestamp': old }],
      ['forged key', body, signedHeaders(body, undefined, other)],
      ['stale but correctly signed', body, signedHeaders(body, old)],
      ['no signature', body, { 'content-type': 'application/json' }],
    ];
    for (const [name, b, h] of cases) assert.equal((await post(eventsUrl(), b, h)).status, 403, name);
    for (const b of ['{"event":"delivered"}', 'not json']) {
      assert.equal((await post(eventsUrl(), b, signedHeaders(b))).status, 400, b);
    }
    assert.deepEqual(await ingress.jobs(), []);
    assert.equal((await post(eventsUrl(), body, headers)).status, 204);
    assert.deepEqual(
      (await ingress.jobs()).map((e) => [e.providerMessageId, e.status]),
      [[messageId, 'delivered']],
    );
  });
});

describe('configuration and availability', () => {
  it('answers 404 on Twilio and SendGrid routes that are not configured', async () => {
    const bare = await startIngress(redisUrl, { twilio: false, sendgrid: false });
    try {
      for (const path of [
        CALLBACK_PATHS.twilioMessages,
        CALLBACK_PATHS.twilioCalls,
        CALLBACK_PATHS.sendgridEvents,
      ]) {
        const r = await post(`${bare.url}${path}`, 'a=b', {
          'content-type': 'application/x-www-form-urlencoded',
        });
        assert.equal(r.status, 404, path);
        assert.match(JSON.stringify(r.body), /not configured/);
      }
    } finally {
      await bare.close();
    }
  });

  it('Vonage fails closed: 404 without a signature secret, and when Vonage is not a configured provider', async () => {
    const failed = JSON.stringify({
      messageId: 'ABC123',
      status: 'failed',
      'err-code': '1',
      msisdn: '15551234567',
    });
    for (const options of [{ vonageSecret: null }, { vonageConfigured: false }] as const) {
      const closed = await startIngress(redisUrl, options);
      try {
        for (const path of [CALLBACK_PATHS.vonageSms, CALLBACK_PATHS.vonageVoice]) {
          const r = await post(`${closed.url}${path}`, failed, { 'content-type': 'application/json' });
          assert.equal(r.status, 404, `${JSON.stringify(options)} ${path}`);
        }
        assert.deepEqual(await closed.jobs(), [], 'an unsigned receipt reached the status queue');
      } finally {
        await closed.close();
      }
    }
  });

  it('accepts unsigned Vonage receipts only with the explicit opt-out (VONAGE_CALLBACKS_ALLOW_UNSIGNED)', async () => {
    const unsigned = await startIngress(redisUrl, { vonageSecret: null, vonageAllowUnsigned: true });
    try {
      const r = await post(
        `${unsigned.url}${CALLBACK_PATHS.vonageSms}`,
        JSON.stringify({ messageId: 'ABC123', status: 'delivered', 'err-code': '0', msisdn: '15551234567' }),
        { 'content-type': 'application/json' },
      );
      assert.equal(r.status, 204);
      assert.deepEqual(
        (await unsigned.jobs()).map((e) => [e.providerMessageId, e.status]),
        [['ABC123', 'delivered']],
      );
    } finally {
      await unsigned.close();
    }
  });

  it('answers 503 to a genuine callback when Redis is unreachable, so the provider retries', async () => {
    const down = await startIngress('redis://127.0.0.1:1', { redisDown: true });
    try {
      const url = `${down.url}${CALLBACK_PATHS.twilioMessages}`;
      const params = { MessageSid: 'SM00000000000000000000000000000009', MessageStatus: 'delivered' };
      const started = performance.now();
      const r = await post(url, form(params), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, params),
      });
      assert.equal(r.status, 503);
      assert.ok(performance.now() - started < 1_000);
      const dlr = JSON.stringify({ messageId: 'ABC124', status: 'delivered' });
      const vonage = await post(`${down.url}${CALLBACK_PATHS.vonageSms}`, dlr, {
        'content-type': 'application/json',
      });
      assert.equal(vonage.status, 403, 'verification still comes first');
      const now = String(Math.floor(Date.now() / 1000));
      const batch = JSON.stringify([{ sg_message_id: 'abc.x', event: 'delivered', timestamp: Number(now) }]);
      const sendgrid = await post(`${down.url}${CALLBACK_PATHS.sendgridEvents}`, batch, {
        'content-type': 'application/json',
        'x-twilio-email-event-webhook-timestamp': now,
        'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.from(now + batch), {
          key: SENDGRID_KEY.privateKey,
          dsaEncoding: 'der',
        }).toString('base64'),
      });
      assert.equal(sendgrid.status, 503);
    } finally {
      await down.close();
    }
  });

  it('config: the Twilio token alone starts (callbacks stay off without PUBLIC_BASE_URL); the SendGrid key must be an EC P-256 key', () => {
    const base = {
      OKTA_HOOK_AUTH_SECRET: 'Basic a-long-enough-secret',
      DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    };
    // One shared .env holds the workers' Twilio token too: the ingress must not refuse to start over it.
    const tokenOnly = parseEnv(ingressEnvSchema, { ...base, TWILIO_AUTH_TOKEN: TWILIO_TOKEN });
    assert.equal(tokenOnly.PUBLIC_BASE_URL, undefined);
    const ok = parseEnv(ingressEnvSchema, {
      ...base,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      PUBLIC_BASE_URL: 'https://hooks.example.com/',
      SENDGRID_EVENT_PUBLIC_KEY: SENDGRID_PUBLIC,
    });
    assert.equal(ok.PUBLIC_BASE_URL, 'https://hooks.example.com');
    assert.equal(ok.SENDGRID_EVENT_PUBLIC_KEY, SENDGRID_PUBLIC);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      format: 'der',
      type: 'spki',
    });
    for (const bad of ['not-a-key', rsa.toString('base64')]) {
      assert.throws(
        () => parseEnv(ingressEnvSchema, { ...base, SENDGRID_EVENT_PUBLIC_KEY: bad }),
        /SENDGRID_EVENT_PUBLIC_KEY/,
      );
    }
  });
});
