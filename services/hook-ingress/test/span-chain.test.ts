// Tracing first, as main.ts does: the instrumentations must be in before Express, ioredis and axios load (a
// side-effect import, which import sorting leaves first; the exporter is imported again below).
import './support/test-tracing.ts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { decodeKey } from '@byot/config';
import {
  type ChannelWorker,
  type ChannelWorkerEnv,
  DeliveryStore,
  OutcomeListener,
  startChannelWorker,
} from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { startTestSimulator, type TestSimulator } from '@byot/provider-sim/testing';
import { callbackPath, createTwilioClient, TwilioSmsProvider } from '@byot/providers';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  createStatusQueue,
  waitUntilReady,
} from '@byot/redis';
import { sealerFromConfig } from '@byot/sealing';
import { SpanKind, SpanStatusCode } from '@byot/telemetry';
import type { ReadableSpan } from '@byot/telemetry/testing';
import { eventually, getFreePort, oktaHookRequest, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import twilio from 'twilio';
import { createApp, TELEPHONY_HOOK_PATH } from '../src/app.ts';
import { HeaderSecretAuthenticator } from '../src/auth/hook-authenticator.ts';
import { QueueStatusSink } from '../src/callbacks/index.ts';
import { Dispatcher } from '../src/delivery/dispatcher.ts';
import { spanExporter } from './support/test-tracing.ts';

const HOOK_SECRET = `Basic ${Buffer.from(`okta:${randomBytes(12).toString('hex')}`).toString('base64')}`;
const DATA_KEY = randomBytes(32).toString('base64');
const PHONE = '+14155550123';
const OTP = '739184';
const MESSAGE = `Quokka Bank: your sign-in code is ${OTP}`;

let sim: TestSimulator;
let ingressUrl: string;
let worker: ChannelWorker;
const lines: Record<string, unknown>[] = [];
const closers: (() => Promise<void>)[] = [];

before(async () => {
  const redisUrl = (await sharedTestRedis()).url;
  sim = await startTestSimulator();
  closers.push(() => sim.close());
  const keyspace = createKeyspace(uniquePrefix('spans'));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const env: ChannelWorkerEnv = {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyspace.prefix,
    REDIS_CLUSTER_HASH_TAG: false,
    DATA_ENCRYPTION_KEY: DATA_KEY,
    DELIVERY_RETENTION_SECONDS: 600,
    MIN_OTP_LIFETIME_MS: 5_000,
    RETRY_BASE_DELAY_MS: 50,
    RETRY_MAX_DELAY_MS: 200,
    PROVIDER_TIMEOUT_MS: 5_000,
    SHUTDOWN_DRAIN_MS: 2_000,
    HEALTH_PORT: 0,
    HEALTH_HOST: '127.0.0.1',
    BREAKER_FAILURE_THRESHOLD: 100,
    BREAKER_WINDOW_MS: 60_000,
    BREAKER_COOLDOWN_MS: 30_000,
    RECEIPT_FAILOVER: true,
    RECEIPT_TIMEOUT_SECONDS: 0,
    STATUS_WORKER_CONCURRENCY: 2,
  };

  // hook-ingress, wired as main.ts wires it.
  const log = createLogger({ service: 'hook-ingress', destination: sink });
  const producer = createRedisConnection({
    url: redisUrl,
    role: 'producer',
    name: 'p',
    commandTimeoutMs: 1_000,
  });
  const subscriber = createRedisConnection({ url: redisUrl, role: 'subscriber', name: 's' });
  const store = new DeliveryStore(producer, keyspace, 600_000);
  const outcomes = new OutcomeListener(subscriber, keyspace);
  await waitUntilReady(producer, 5_000);
  await outcomes.start();
  const queues = {
    sms: createSendQueue('sms', producer, keyspace),
    voice: createSendQueue('voice', producer, keyspace),
  };
  const statusQueue = createStatusQueue(producer, keyspace);
  const port = await getFreePort();
  ingressUrl = `http://127.0.0.1:${port}`;
  const app = createApp({
    authenticator: new HeaderSecretAuthenticator('authorization', HOOK_SECRET),
    dispatcher: new Dispatcher({
      queues,
      store,
      outcomes,
      sealer: sealerFromConfig({ DATA_ENCRYPTION_KEY: DATA_KEY }, decodeKey),
      log,
      enqueueTimeoutMs: 1_000,
      maxOtpLifetimeMs: 1_800_000,
      queueConnected: () => producer.status === 'ready',
    }),
    parse: { defaultRegion: 'US', minLifetimeMs: 5_000 },
    budgetMs: 2_500,
    maxBodyBytes: 32_768,
    log,
    isReady: async () => true,
    callbacks: {
      sink: new QueueStatusSink(statusQueue, {
        connected: () => producer.status === 'ready',
        timeoutMs: 1_000,
      }),
      log,
      maxBodyBytes: 32_768,
      twilio: { authToken: sim.sim.twilio.authToken, publicBaseUrl: ingressUrl },
      vonage: {},
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  closers.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await Promise.all([...Object.values(queues), statusQueue].map((q) => closeQueue(q, 500)));
    await Promise.all([closeRedis(producer), closeRedis(subscriber)]);
  });

  // sms-worker, wired as its main.ts wires it: the real Twilio adapter, pointed at the simulator.
  const twilioSms = new TwilioSmsProvider(
    createTwilioClient({
      accountSid: sim.sim.twilio.accountSid,
      authToken: sim.sim.twilio.authToken,
      apiBaseUrl: sim.url,
      timeoutMs: 5_000,
    }),
    { fromNumber: '+15005550006' },
  );
  worker = await startChannelWorker({
    service: 'sms-worker',
    channel: 'sms',
    env,
    concurrency: 2,
    log: createLogger({ service: 'sms-worker', destination: sink }),
    processor: () => ({
      routes: [
        {
          provider: 'twilio',
          send: (job, secrets) =>
            twilioSms.sendSms({
              to: secrets.phoneE164,
              body: secrets.message ?? `Your code is ${secrets.otpCode}`,
              validitySeconds: Math.floor((job.otpExpiresAt - Date.now()) / 1000),
              clientRef: job.deliveryId,
            }),
        },
      ],
    }),
    signals: [],
    exit: () => {},
  });
});

after(async () => {
  await worker?.shutdown();
  for (const close of closers.reverse()) await close();
});

async function postHook(body: unknown) {
  const response = await fetch(`${ingressUrl}${TELEPHONY_HOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: HOOK_SECRET },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as {
    commands?: { value: { status: string; transactionId?: string }[] }[];
  };
  return { status: response.status, action: json.commands?.[0]?.value[0] };
}

/** A delivery receipt as Twilio posts it (form-encoded, signed over our public URL), from outside any trace. */
async function postTwilioReceipt(messageSid: string, status: string): Promise<number> {
  const url = `${ingressUrl}${callbackPath('twilio', 'sms')}`;
  const params = {
    AccountSid: sim.sim.twilio.accountSid,
    MessageSid: messageSid,
    MessageStatus: status,
    To: PHONE,
    From: '+15005550006',
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(sim.sim.twilio.authToken, url, params),
    },
    body: new URLSearchParams(params),
  });
  return response.status;
}

const spans = () => spanExporter.getFinishedSpans();
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The one finished span matching, or an assertion error listing what there is. */
function only(match: (span: ReadableSpan) => boolean, what: string): ReadableSpan {
  const found = spans().filter(match);
  assert.equal(
    found.length,
    1,
    `${what}: ${found.length} found among ${spans()
      .map((s) => s.name)
      .join(', ')}`,
  );
  return found[0] as ReadableSpan;
}

/** The consumer span of the send job of this eventId (BullMQ job id evt-<eventId>), once it has ended. */
function jobSpan(eventId: string): Promise<ReadableSpan> {
  return eventually(() =>
    only(
      (s) => s.name === 'sms-send process' && s.attributes['messaging.message.id'] === `evt-${eventId}`,
      'job span',
    ),
  );
}

function line(msg: string, eventId: string): Record<string, unknown> {
  const found = lines.filter((l) => l.msg === msg && l.eventId === eventId);
  assert.equal(found.length, 1, `"${msg}" lines for ${eventId}: ${JSON.stringify(lines)}`);
  return found[0] as Record<string, unknown>;
}

/**
 * Everything of a span an exporter would ship besides ids and timings, serialized: no OTP, message text, full
 * number (in any form) or secret may appear in it, nor in any log line.
 */
function assertNothingSecret(): void {
  const forbidden = [
    OTP,
    PHONE,
    PHONE.slice(1),
    PHONE.slice(2),
    'Quokka',
    HOOK_SECRET.slice('Basic '.length),
    DATA_KEY,
    sim.sim.twilio.authToken,
  ];
  const texts = [
    ...spans().map((s) =>
      JSON.stringify({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        links: s.links.map((l) => l.attributes),
        status: s.status,
        resource: s.resource.attributes,
      }),
    ),
    ...lines.map((l) => JSON.stringify(l)),
  ];
  assert.ok(spans().length > 0 && lines.length > 0);
  for (const text of texts) {
    for (const secret of forbidden) assert.ok(!text.includes(secret), `"${secret}" in ${text}`);
  }
}

describe('one Okta hook, one trace (in-memory exporter, the real tracing bootstrap)', () => {
  it('hook → enqueue → job → provider → its HTTP call form one chain, and the receipt links back to it', async () => {
    const hook = oktaHookRequest({ phoneNumber: PHONE, otpCode: OTP, msgTemplate: MESSAGE });
    const answer = await postHook(hook);
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    const job = await jobSpan(hook.eventId);
    const trace = traceOf(job);
    const inTrace = (s: ReadableSpan) => traceOf(s) === trace;

    // hook-ingress: the HTTP server span is the root, named after the hook's route; the producer span sits right
    // under it (the hook is served on plain node:http ahead of Express: no Express handler span between) and
    // holds the BullMQ add, a Redis script call.
    // Spans end as their work ends, not in order: wait for each one the assertions need (eventually).
    const server = await eventually(() =>
      only(
        (s) => inTrace(s) && s.kind === SpanKind.SERVER && s.name === 'POST /v1/okta/telephony',
        'hook server span',
      ),
    );
    assert.equal(parentOf(server), undefined);
    assert.equal(server.attributes['http.response.status_code'], 200);
    const publish = only((s) => inTrace(s) && s.name === 'sms-send publish', 'producer span');
    assert.equal(publish.kind, SpanKind.PRODUCER);
    assert.equal(server.attributes['http.route'], TELEPHONY_HOOK_PATH);
    assert.equal(parentOf(publish), idOf(server));
    const enqueue = only((s) => parentOf(s) === idOf(publish) && s.kind === SpanKind.CLIENT, 'enqueue span');
    assert.equal(enqueue.kind, SpanKind.CLIENT);
    assert.equal(enqueue.attributes['db.system.name'], 'redis');
    assert.equal(enqueue.name, 'evalsha');

    // The worker: its job span is the producer's child (the context went through the job's `trace` field).
    assert.equal(job.kind, SpanKind.CONSUMER);
    assert.equal(parentOf(job), idOf(publish));
    const provider = only((s) => inTrace(s) && s.name === 'twilio send', 'provider span');
    assert.equal(parentOf(provider), idOf(job));
    assert.deepEqual(provider.attributes, {
      'byot.provider': 'twilio',
      'byot.channel': 'sms',
      'byot.attempt': 1,
    });
    const call = only((s) => parentOf(s) === idOf(provider), 'provider HTTP call');
    assert.equal(call.kind, SpanKind.CLIENT);
    assert.equal(call.attributes['http.request.method'], 'POST');
    assert.equal(call.attributes['http.response.status_code'], 201);
    assert.equal(call.attributes['server.port'], Number(new URL(sim.url).port));
    // The simulator (in this process) received traceparent: its server span continues the same trace.
    const simServer = await eventually(() =>
      only((s) => parentOf(s) === idOf(call), 'simulator server span'),
    );
    assert.equal(simServer.kind, SpanKind.SERVER);

    // The status callback comes later, from outside: a trace of its own for the callback, and the receipt's
    // span starts another, linked to the delivery's trace (the context the send job carried).
    assert.equal(await postTwilioReceipt(answer.action?.transactionId ?? '', 'delivered'), 204);
    const receipt = await eventually(() => only((s) => s.name === 'receipt twilio sms', 'receipt span'));
    assert.notEqual(traceOf(receipt), trace);
    assert.equal(parentOf(receipt), undefined);
    assert.equal(receipt.kind, SpanKind.CONSUMER);
    assert.deepEqual(
      receipt.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
      [{ traceId: trace, spanId: idOf(publish) }],
    );
    const callback = only(
      (s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/callbacks/twilio/messages',
      'callback server span',
    );
    assert.notEqual(traceOf(callback), trace);

    // Log lines carry the ids of the span they were written in.
    const answered = line('hook answered', hook.eventId);
    assert.equal(answered.trace_id, trace);
    assert.ok(
      spans().some((s) => inTrace(s) && idOf(s) === answered.span_id),
      'hook answered: span_id of the trace',
    );
    const accepted = line('provider accepted', hook.eventId);
    assert.deepEqual([accepted.trace_id, accepted.span_id], [trace, idOf(job)]);
    const delivered = line('code delivered', hook.eventId);
    assert.deepEqual([delivered.trace_id, delivered.span_id], [traceOf(receipt), idOf(receipt)]);

    assertNothingSecret();
  });

  it("a refused attempt: one warn line with the error kind and code in the hook's trace, a failed provider span", async () => {
    // Twilio refuses the number as invalid (21211): no retry, no other route; Okta hears FAILED.
    sim.sim.faults.set('twilio', { invalidNumberRate: 1 });
    try {
      const hook = oktaHookRequest({ phoneNumber: PHONE, otpCode: OTP, msgTemplate: MESSAGE });
      const answer = await postHook(hook);
      assert.equal(answer.action?.status, 'FAILED');
      const job = await jobSpan(hook.eventId);
      const provider = only((s) => traceOf(s) === traceOf(job) && s.name === 'twilio send', 'provider span');
      assert.equal(provider.status.code, SpanStatusCode.ERROR);
      assert.equal(provider.attributes['error.type'], 'destination-permanent');

      const failed = line('provider attempt failed', hook.eventId);
      assert.deepEqual(
        {
          trace: failed.trace_id,
          span: failed.span_id,
          level: failed.level,
          requestType: failed.requestType,
          channel: failed.channel,
          provider: failed.provider,
          attempt: failed.attempt,
          errorKind: failed.errorKind,
          errorCode: failed.errorCode,
          phoneMasked: failed.phoneMasked,
        },
        {
          trace: traceOf(job),
          span: idOf(job),
          level: 'warn',
          requestType: 'mfa',
          channel: 'sms',
          provider: 'twilio',
          attempt: 1,
          errorKind: 'destination-permanent',
          errorCode: '21211',
          phoneMasked: '+1••••••••23',
        },
      );
      assert.equal(typeof failed.providerMs, 'number');
      const answered = line('hook answered', hook.eventId);
      assert.equal(answered.trace_id, traceOf(job));
      assert.equal(answered.answer, 'FAILED');
      assert.match(String(answered.reason), /21211/);
      assert.equal(typeof answered.elapsedMs, 'number');
      assertNothingSecret();
    } finally {
      sim.sim.faults.clear('twilio');
    }
  });
});
