/**
 * The delivery ledger and receipt-driven failover, against a real Redis and real BullMQ queues: a provider
 * accepts, its status callbacks arrive (in order, duplicated, out of order, late, or never), and the code goes on
 * by the next route exactly when it should.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  type Channel,
  RECEIPT_DEADLINE_JOB,
  type ReceiptDeadline,
  type SendJob,
  type StatusEvent,
} from '@byot/contracts';
import { createLogger } from '@byot/observability';
import { closeQueue, closeRedis, createKeyspace, createRedisConnection, createSendQueue } from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryEvents } from './events.ts';
import { createReceiptProcessor, type ReceiptResult } from './receipts.ts';
import { ledgerView } from './records/attempt-ledger.ts';
import { DeliveryStore } from './records/delivery-store.ts';
import { DEFAULT_RETRY_SETTINGS } from './retry-policy.ts';
import { createSendProcessor } from './send/send-job.ts';
import type { Escalation, ProcessResult } from './send/shapes.ts';

let redis: Redis;
before(async () => {
  redis = createRedisConnection({
    url: (await sharedTestRedis()).url,
    role: 'worker',
    name: 'receipts-test',
  });
});
after(async () => {
  await closeRedis(redis);
});

const sealer = createSealer(randomBytes(32));
const logged = new PassThrough();
const logLines: string[] = [];
logged.on('data', (chunk: Buffer) => logLines.push(chunk.toString()));
const log = createLogger({ service: 'test', level: 'debug', destination: logged });
const PHONE = '+14155550123';
const CODE = '482913';

function harness(options: { providers?: string[]; escalations?: Escalation[]; failover?: boolean } = {}) {
  const keyspace = createKeyspace(uniquePrefix('receipts'));
  const store = new DeliveryStore(redis, keyspace, 60_000);
  const queues = {
    sms: createSendQueue('sms', redis, keyspace),
    voice: createSendQueue('voice', redis, keyspace),
  };
  const sent: { provider: string; id: string }[] = [];
  let counter = 0;
  const processor = createSendProcessor({
    store,
    sealer,
    log,
    retry: { ...DEFAULT_RETRY_SETTINGS, baseDelayMs: 10, maxDelayMs: 20 },
    attemptStaleAfterMs: 5_000,
    routes: (options.providers ?? ['twilio', 'vonage']).map((provider) => ({
      provider,
      send: async () => {
        const id = `${provider === 'twilio' ? 'SM' : 'vn'}${(++counter).toString().padStart(8, '0')}`;
        sent.push({ provider, id });
        return { provider, providerMessageId: id, providerStatus: 'queued' };
      },
    })),
    ...(options.escalations ? { escalations: options.escalations } : {}),
  });
  const observed: Record<string, unknown[]> = {
    receipt: [],
    delivered: [],
    receiptFailover: [],
    expired: [],
  };
  const events: DeliveryEvents = {
    receipt: (e) => observed.receipt?.push(e),
    delivered: (e) => observed.delivered?.push(e),
    receiptFailover: (e) => observed.receiptFailover?.push(e),
    expiredUndelivered: (e) => observed.expired?.push(e),
  };
  const receipts = createReceiptProcessor({
    store,
    log,
    queues,
    minUsefulLifetimeMs: 5_000,
    failover: options.failover ?? true,
    events,
  });

  const asJob = <T>(data: T, name = 'send', extra: Record<string, unknown> = {}) =>
    ({
      id: 'j',
      name,
      data,
      attemptsMade: 0,
      opts: { attempts: 3 },
      moveToDelayed: async () => {},
      ...extra,
    }) as unknown as Job<T>;

  async function send(data: SendJob): Promise<ProcessResult> {
    return processor(asJob(data), 'token');
  }

  function newJob(expiresInMs = 300_000, channel: Channel = 'sms'): SendJob {
    const eventId = `evt${randomBytes(6).toString('hex')}`;
    return {
      version: 1,
      eventId,
      deliveryId: `byot-${eventId}`,
      channel,
      requestType: 'com.okta.user.telephony.mfa-verification',
      otpExpiresAt: Date.now() + expiresInMs,
      receivedAt: Date.now() - 40,
      phoneMasked: '+1••••••••23',
      sealed: sealer.sealJson({ otpCode: CODE, phoneE164: PHONE }, eventId),
    };
  }

  function receipt(
    provider: string,
    providerMessageId: string,
    status: StatusEvent['status'],
    rawStatus: string = status,
    extra: Partial<StatusEvent> = {},
  ): Promise<ReceiptResult> {
    const event: StatusEvent = {
      version: 1,
      provider: provider as StatusEvent['provider'],
      channel: 'sms',
      providerMessageId,
      status,
      rawStatus,
      occurredAt: Date.now(),
      receivedAt: Date.now(),
      ...extra,
    };
    return receipts(asJob(event, `${provider}.sms`) as Job<StatusEvent | ReceiptDeadline>);
  }

  /** The "no receipt in time" check the worker schedules when a provider accepts, come due. */
  function deadline(provider: string, providerMessageId: string): Promise<ReceiptResult> {
    const check: ReceiptDeadline = { version: 1, kind: 'receipt-deadline', provider, providerMessageId };
    return receipts(asJob(check, RECEIPT_DEADLINE_JOB) as Job<StatusEvent | ReceiptDeadline>);
  }

  /** Runs every waiting send job of a queue through the send loop, as a worker would. */
  async function drain(channel: Channel): Promise<ProcessResult[]> {
    const jobs = await queues[channel].getJobs(['waiting', 'prioritized']);
    const results: ProcessResult[] = [];
    for (const job of jobs) {
      results.push(await send(job.data));
      await job.remove();
    }
    return results;
  }

  const close = () => Promise.all(Object.values(queues).map((q) => closeQueue(q)));
  return { store, queues, sent, send, newJob, receipt, deadline, receipts, asJob, drain, observed, close };
}

describe('the delivery ledger', () => {
  it('records acceptance and the delivered receipt, with a delivery latency, and drops the resend payload', async () => {
    const h = harness();
    const job = h.newJob();
    await h.send(job);
    const id = h.sent[0]?.id as string;
    assert.ok(await redis.exists(`${h.queues.sms.opts.prefix as string}:resend:${job.eventId}`));
    assert.deepEqual(await h.receipt('twilio', id, 'sent'), { result: 'recorded', outcome: 'applied' });
    assert.deepEqual(await h.receipt('twilio', id, 'delivered'), {
      result: 'recorded',
      outcome: 'applied',
      verdict: 'delivered',
    });
    const ledger = await h.store.getLedger(job.eventId);
    assert.ok(ledger);
    const view = ledgerView(ledger.record, ledger.attempts);
    assert.equal(view.delivery, 'delivered');
    assert.equal(view.delivered?.provider, 'twilio');
    assert.ok((view.delivered?.latencyMs ?? -1) >= 40, 'latency counts from the hook');
    assert.equal(view.attempts.length, 1);
    assert.equal(view.attempts[0]?.status, 'delivered');
    assert.deepEqual(
      view.attempts[0]?.history?.map((e) => e.status),
      ['sent', 'delivered'],
    );
    assert.equal(await redis.exists(`${h.queues.sms.opts.prefix}:resend:${job.eventId}`), 0);
    assert.equal(h.observed.delivered?.length, 1);
    const text = JSON.stringify(view);
    assert.ok(!text.includes(CODE) && !text.includes('5550123'), 'no code and no full number in the ledger');
    await h.close();
  });

  it('keeps status moving forward through duplicates and out-of-order reports', async () => {
    const h = harness();
    const job = h.newJob();
    await h.send(job);
    const id = h.sent[0]?.id as string;
    await h.receipt('twilio', id, 'delivered');
    assert.deepEqual(await h.receipt('twilio', id, 'sent'), {
      result: 'recorded',
      outcome: 'stale',
      verdict: 'delivered',
    });
    assert.deepEqual(await h.receipt('twilio', id, 'delivered'), {
      result: 'recorded',
      outcome: 'duplicate',
      verdict: 'delivered',
    });
    assert.deepEqual(await h.receipt('twilio', id, 'queued', 'sending'), {
      result: 'recorded',
      outcome: 'stale',
      verdict: 'delivered',
    });
    const ledger = await h.store.getLedger(job.eventId);
    const attempt = ledger?.attempts[0];
    assert.equal(attempt?.status, 'delivered');
    assert.deepEqual(
      attempt?.history?.map((e) => [e.raw, e.applied]),
      [
        ['delivered', true],
        ['sent', false],
        ['sending', false],
      ],
    );
    assert.equal(h.observed.delivered?.length, 1, 'one delivery, however many reports');
    await h.close();
  });

  it("keeps the hook's trace context with the provider id, so a receipt can link to the delivery's trace", async () => {
    const h = harness();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const job = { ...h.newJob(), trace: { traceparent } };
    await h.send(job);
    const found = await h.store.findByProviderMessage('twilio', h.sent[0]?.id as string);
    assert.deepEqual(found, { eventId: job.eventId, index: 1, trace: { traceparent } });
    const untraced = h.newJob();
    await h.send(untraced);
    assert.deepEqual(await h.store.findByProviderMessage('twilio', h.sent[1]?.id as string), {
      eventId: untraced.eventId,
      index: 1,
    });
    await h.close();
  });

  it('records failed attempts that no provider accepted', async () => {
    const keyspace = createKeyspace(uniquePrefix('receipts'));
    const store = new DeliveryStore(redis, keyspace, 60_000);
    const processor = createSendProcessor({
      store,
      sealer,
      log,
      retry: DEFAULT_RETRY_SETTINGS,
      attemptStaleAfterMs: 5_000,
      routes: [
        {
          provider: 'twilio',
          send: async () => {
            const { ProviderError } = await import('@byot/providers');
            throw new ProviderError({
              kind: 'unavailable',
              provider: 'twilio',
              code: '503',
              safeMessage: 'down',
            });
          },
        },
        {
          provider: 'vonage',
          send: async () => ({ provider: 'vonage', providerMessageId: 'vn1', providerStatus: '0' }),
        },
      ],
    });
    const h = harness();
    const job = h.newJob();
    await processor(h.asJob(job), 'token');
    await new Promise((r) => setTimeout(r, 50)); // the failed attempt is written without holding up the send
    const ledger = await store.getLedger(job.eventId);
    assert.deepEqual(
      ledger?.attempts.map((a) => [a.provider, a.result, a.errorKind ?? a.status]),
      [
        ['twilio', 'error', 'unavailable'],
        ['vonage', 'accepted', 'accepted'],
      ],
    );
    await h.close();
  });
});

describe('receipt-driven failover', () => {
  it('sends an undelivered SMS once more through the backup, and only once however often the receipt comes', async () => {
    const h = harness();
    const job = h.newJob();
    await h.send(job);
    const first = h.sent[0]?.id as string;
    const rerouted = await h.receipt('twilio', first, 'undelivered', 'undelivered', { errorCode: '30003' });
    assert.equal(rerouted.result, 'rerouted');
    // The provider resends its callback; the status job is retried: still one resend job.
    await h.receipt('twilio', first, 'undelivered', 'undelivered', { errorCode: '30003' });
    await h.receipts(
      h.asJob(
        {
          version: 1,
          provider: 'twilio',
          channel: 'sms',
          providerMessageId: first,
          status: 'undelivered',
          rawStatus: 'undelivered',
          errorCode: '30003',
          occurredAt: Date.now(),
          receivedAt: Date.now(),
        } as StatusEvent,
        'twilio.sms',
        { attemptsMade: 1 },
      ) as Job<StatusEvent | ReceiptDeadline>,
    );
    const results = await h.drain('sms');
    assert.equal(results.length, 1);
    assert.deepEqual(
      h.sent.map((s) => s.provider),
      ['twilio', 'vonage'],
      'the provider that failed is not tried again',
    );
    const second = h.sent[1]?.id as string;
    await h.receipt('vonage', second, 'delivered');
    // A late duplicate of the first receipt changes nothing now.
    assert.deepEqual(await h.receipt('twilio', first, 'undelivered', 'undelivered', { errorCode: '30003' }), {
      result: 'recorded',
      outcome: 'duplicate',
      verdict: 'failed',
    });
    assert.equal((await h.queues.sms.getJobCounts('waiting')).waiting, 0);
    const ledger = await h.store.getLedger(job.eventId);
    assert.ok(ledger);
    const view = ledgerView(ledger.record, ledger.attempts);
    assert.equal(view.delivery, 'delivered');
    assert.equal(view.delivered?.provider, 'vonage');
    assert.equal(view.reroutedAfter, 'twilio sms undelivered 30003');
    assert.deepEqual(
      view.attempts.map((a) => [a.provider, a.status, a.verdict]),
      [
        ['twilio', 'undelivered', 'failed'],
        ['vonage', 'delivered', 'delivered'],
      ],
    );
    assert.deepEqual(h.observed.receiptFailover, [
      { channel: 'sms', fromProvider: 'twilio', cause: 'receipt:undelivered', tenant: 'default' },
    ]);
    await h.close();
  });

  it('does not resend to a number the receipt says is bad on another SMS provider', async () => {
    const h = harness();
    const job = h.newJob();
    await h.send(job);
    await h.receipt('twilio', h.sent[0]?.id as string, 'undelivered', 'undelivered', { errorCode: '30005' });
    const results = await h.drain('sms');
    assert.deepEqual(
      results.map((r) => r.result),
      ['failed'],
    );
    assert.deepEqual(
      h.sent.map((s) => s.provider),
      ['twilio'],
    );
    const ledger = await h.store.getLedger(job.eventId);
    assert.equal(ledger?.record.state, 'failed');
    assert.equal(ledgerView(ledger.record, ledger.attempts).delivery, 'undelivered');
    await h.close();
  });

  it('hands a landline to the voice channel when a receipt says so and policy allows', async () => {
    const handedOver: SendJob[] = [];
    const voice: Escalation = {
      name: 'voice',
      appliesTo: (j, _s, failure) => j.channel === 'sms' && Boolean(failure?.suggestsVoice),
      run: async (j) => {
        handedOver.push(j);
        return 'handed-over';
      },
    };
    const h = harness({ escalations: [voice] });
    const job = h.newJob();
    await h.send(job);
    await h.receipt('twilio', h.sent[0]?.id as string, 'undelivered', 'undelivered', { errorCode: '30006' });
    const results = await h.drain('sms');
    assert.deepEqual(results, [{ result: 'handed-over', to: 'voice' }]);
    assert.equal(handedOver.length, 1);
    await h.close();
  });

  it('calls again through the next voice provider when nobody answered the first call', async () => {
    const h = harness();
    const job = h.newJob(300_000, 'voice');
    await h.send(job);
    const call = h.sent[0]?.id as string;
    await h.receipt('twilio', call, 'ringing', 'ringing', { channel: 'voice', sequence: 1 });
    const result = await h.receipt('twilio', call, 'no-answer', 'no-answer', {
      channel: 'voice',
      sequence: 2,
    });
    assert.equal(result.result, 'rerouted');
    assert.equal(await h.queues.sms.count(), 0, 'a voice resend stays on the voice queue');
    const results = await h.drain('voice');
    assert.equal(results[0]?.result, 'accepted');
    assert.deepEqual(
      h.sent.map((s) => s.provider),
      ['twilio', 'vonage'],
    );
    await h.receipt('vonage', h.sent[1]?.id as string, 'answered', 'answered', { channel: 'voice' });
    const ledger = await h.store.getLedger(job.eventId);
    assert.ok(ledger);
    const view = ledgerView(ledger.record, ledger.attempts);
    assert.equal(view.delivery, 'delivered');
    assert.equal(view.reroutedAfter, 'twilio voice no-answer');
    await h.close();
  });

  it('records a receipt that comes too late and sends nothing', async () => {
    const h = harness();
    const job = h.newJob(6_000); // 6 s left; resends need 5 s of life
    await h.send(job);
    await new Promise((r) => setTimeout(r, 1_100));
    const result = await h.receipt('twilio', h.sent[0]?.id as string, 'undelivered', 'undelivered', {
      errorCode: '30003',
    });
    assert.deepEqual(result, { result: 'not-rerouted', why: 'too-late' });
    assert.equal((await h.queues.sms.getJobCounts('waiting')).waiting, 0);
    const ledger = await h.store.getLedger(job.eventId);
    assert.equal(ledger?.attempts[0]?.verdict, 'failed');
    assert.equal(h.observed.expired?.length, 1);
    await h.close();
  });

  it('only records when receipt failover is off', async () => {
    const h = harness({ failover: false });
    const job = h.newJob();
    await h.send(job);
    const result = await h.receipt('twilio', h.sent[0]?.id as string, 'failed', 'failed', {
      errorCode: '30008',
    });
    assert.deepEqual(result, { result: 'not-rerouted', why: 'receipt failover is off' });
    assert.equal((await h.queues.sms.getJobCounts('waiting')).waiting, 0);
    await h.close();
  });

  it('treats "no final receipt in time" as undelivered, and a late real receipt still counts', async () => {
    const h = harness();
    const job = h.newJob();
    await h.send(job);
    const first = h.sent[0]?.id as string;
    await h.receipt('twilio', first, 'sent');
    const result = await h.deadline('twilio', first);
    assert.equal(result.result, 'rerouted');
    await h.drain('sms');
    assert.deepEqual(
      h.sent.map((s) => s.provider),
      ['twilio', 'vonage'],
    );
    await h.receipt('twilio', first, 'delivered');
    const ledger = await h.store.getLedger(job.eventId);
    assert.equal(ledger?.attempts[0]?.verdict, 'delivered', 'the real receipt replaces our guess');
    assert.equal(ledger?.record.deliveredVia, 'twilio');
    await h.close();
  });

  it('does nothing at the deadline when the receipt came in time', async () => {
    const h = harness();
    const job = h.newJob();
    await h.send(job);
    const first = h.sent[0]?.id as string;
    await h.receipt('twilio', first, 'delivered');
    const result = await h.deadline('twilio', first);
    assert.equal(result.result, 'not-rerouted');
    await h.close();
  });

  it('retries a receipt that beats the ledger, then lets an unknown one go', async () => {
    const h = harness();
    await assert.rejects(h.receipt('twilio', 'SMunknown', 'delivered'), { name: 'ReceiptTooEarly' });
    const event: StatusEvent = {
      version: 1,
      provider: 'twilio',
      channel: 'sms',
      providerMessageId: 'SMunknown',
      status: 'delivered',
      rawStatus: 'delivered',
      occurredAt: Date.now(),
      receivedAt: Date.now(),
    };
    const last = await h.receipts(
      h.asJob(event, 'twilio.sms', { attemptsMade: 2 }) as Job<StatusEvent | ReceiptDeadline>,
    );
    assert.deepEqual(last, { result: 'unknown-message' });
    await h.close();
  });
});
