/**
 * The attempt loop's routing decisions, against a real Redis (records, breakers) with scripted providers.
 * The wire side of each provider is covered by the adapters' tests and the end-to-end suite.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { SendJob, SendSecrets } from '@byot/contracts';
import { createLogger } from '@byot/observability';
import { ProviderError, type ProviderErrorKind, type SendResult } from '@byot/providers';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CircuitBreakers } from '../breaker.ts';
import { DeliveryStore } from '../records/delivery-store.ts';
import { DEFAULT_RETRY_SETTINGS } from '../retry-policy.ts';
import { createSendProcessor } from './send-job.ts';
import type { Escalation, ProcessResult, Route } from './shapes.ts';

let redis: Redis;
before(async () => {
  redis = createRedisConnection({
    url: (await sharedTestRedis()).url,
    role: 'worker',
    name: 'processor-test',
  });
});
after(async () => {
  await closeRedis(redis);
});

const sealer = createSealer(randomBytes(32));
const log = createLogger({ service: 'test', destination: new PassThrough() });

type Script = (attempt: number) => Promise<SendResult>;
const ok =
  (provider: string): Script =>
  async () => ({ provider, providerMessageId: `${provider}-id`, providerStatus: 'queued' });
const fail =
  (
    provider: string,
    kind: ProviderErrorKind,
    extra: Partial<{ retryAfterMs: number; suggestsVoice: boolean }> = {},
  ): Script =>
  async () => {
    throw new ProviderError({ kind, provider, code: kind, safeMessage: `${provider} ${kind}`, ...extra });
  };

function harness(options: {
  scripts: Record<string, Script>;
  escalations?: Escalation[];
  breakerThreshold?: number;
}) {
  const keyspace = createKeyspace(uniquePrefix('processor'));
  const store = new DeliveryStore(redis, keyspace, 60_000);
  const breakers = new CircuitBreakers(redis, keyspace, {
    failureThreshold: options.breakerThreshold ?? 3,
    windowMs: 30_000,
    cooldownMs: 60_000,
    probeTimeoutMs: 5_000,
  });
  const calls: string[] = [];
  const routes: Route[] = Object.entries(options.scripts).map(([provider, script]) => ({
    provider,
    send: async (_job, _secrets, attempt) => {
      calls.push(provider);
      return script(attempt);
    },
  }));
  const processor = createSendProcessor({
    store,
    sealer,
    log,
    retry: { ...DEFAULT_RETRY_SETTINGS, baseDelayMs: 10, maxDelayMs: 20 },
    attemptStaleAfterMs: 5_000,
    routes,
    breakers,
    ...(options.escalations ? { escalations: options.escalations } : {}),
  });
  const delayed: number[] = [];
  const run = async (secrets: Partial<SendSecrets> = {}, expiresInMs = 300_000) => {
    const eventId = `evt${randomBytes(6).toString('hex')}`;
    const data: SendJob = {
      version: 1,
      eventId,
      deliveryId: `byot-${eventId}`,
      channel: 'sms',
      requestType: 'com.okta.user.telephony.mfa-verification',
      otpExpiresAt: Date.now() + expiresInMs,
      receivedAt: Date.now(),
      phoneMasked: '+1••••••••23',
      sealed: sealer.sealJson({ otpCode: '482913', phoneE164: '+14155550123', ...secrets }, eventId),
    };
    // The two members of BullMQ's Job the loop uses: its data, and moveToDelayed for a retry.
    const job = {
      id: `evt-${eventId}`,
      data,
      moveToDelayed: async (at: number) => void delayed.push(at - Date.now()),
    } as unknown as Job<SendJob>;
    let result: ProcessResult | 'delayed';
    try {
      result = await processor(job, 'token');
    } catch (error) {
      if ((error as Error).name !== 'DelayedError') throw error;
      result = 'delayed';
    }
    return { result, record: await store.get(eventId) };
  };
  return { run, calls, breakers, delayed };
}

describe('failover in the attempt loop', () => {
  it('moves to the backup at once when the primary is unavailable, and names the backup', async () => {
    const h = harness({ scripts: { twilio: fail('twilio', 'unavailable'), vonage: ok('vonage') } });
    const { result, record } = await h.run();
    assert.deepEqual(result, { result: 'accepted', provider: 'vonage', providerMessageId: 'vonage-id' });
    assert.deepEqual(h.calls, ['twilio', 'vonage']);
    assert.equal(record?.outcome?.kind === 'accepted' && record.outcome.provider, 'vonage');
  });

  it('does not fail over for a number that can never receive it', async () => {
    const h = harness({ scripts: { twilio: fail('twilio', 'destination-permanent'), vonage: ok('vonage') } });
    const { result, record } = await h.run();
    assert.equal(result !== 'delayed' && result.result, 'failed');
    assert.deepEqual(h.calls, ['twilio']);
    assert.equal(record?.state, 'failed');
  });

  it('opens the breaker after repeated outages, so later sends skip the primary entirely', async () => {
    const h = harness({
      scripts: { twilio: fail('twilio', 'unavailable'), vonage: ok('vonage') },
      breakerThreshold: 2,
    });
    await h.run();
    await h.run();
    h.calls.length = 0;
    const { result } = await h.run();
    assert.equal(result !== 'delayed' && result.result, 'accepted');
    assert.deepEqual(h.calls, ['vonage']);
    const [snapshot] = await h.breakers.snapshot([{ provider: 'twilio', channel: 'sms' }]);
    assert.equal(snapshot?.state, 'open');
  });

  it('still tries a provider whose breaker is open when no other route is left', async () => {
    let calls = 0;
    const h = harness({
      scripts: { twilio: async (a) => (++calls <= 2 ? fail('twilio', 'unavailable')(a) : ok('twilio')(a)) },
      breakerThreshold: 2,
    });
    assert.equal(await h.run().then((r) => r.result), 'delayed');
    assert.equal(await h.run().then((r) => r.result), 'delayed');
    const [open] = await h.breakers.snapshot([{ provider: 'twilio', channel: 'sms' }]);
    assert.equal(open?.state, 'open');
    const { result } = await h.run();
    assert.equal(result !== 'delayed' && result.result, 'accepted');
  });

  it('retries later, bounded by expiry, when every provider is down', async () => {
    const h = harness({
      scripts: { twilio: fail('twilio', 'unavailable'), vonage: fail('vonage', 'unavailable') },
      breakerThreshold: 100,
    });
    const { result, record } = await h.run();
    assert.equal(result, 'delayed');
    assert.equal(record?.state, 'retrying');
    assert.equal(h.delayed.length, 1);
    // Told to come back in 3 s with 6 s left (and 5 s needed to be useful): no further attempt is scheduled.
    const throttled = harness({
      scripts: { twilio: fail('twilio', 'rate-limited', { retryAfterMs: 3_000 }) },
    });
    const late = await throttled.run({}, 6_000);
    assert.equal(late.result !== 'delayed' && late.result.result, 'expired');
    assert.equal(late.record?.state, 'expired');
    assert.equal(throttled.delayed.length, 0);
  });

  it('waits out a short throttle on the same provider instead of failing over', async () => {
    let n = 0;
    const h = harness({
      scripts: {
        twilio: async (attempt) => {
          n++;
          return n === 1
            ? fail('twilio', 'rate-limited', { retryAfterMs: 200 })(attempt)
            : ok('twilio')(attempt);
        },
        vonage: ok('vonage'),
      },
    });
    const { result } = await h.run();
    assert.equal(result !== 'delayed' && result.result === 'accepted' && result.provider, 'twilio');
    assert.deepEqual(h.calls, ['twilio', 'twilio']);
  });

  it('escalates to e-mail only when enabled and the login is an e-mail address', async () => {
    const sent: string[] = [];
    const email: Escalation = {
      name: 'email:sendgrid',
      channel: 'email',
      appliesTo: (_job, secrets) => Boolean(secrets.login?.includes('@')),
      run: async (_job, secrets) => {
        sent.push(secrets.login as string);
        return { provider: 'sendgrid', providerMessageId: 'sg-1', providerStatus: '202' };
      },
    };
    const h = harness({ scripts: { twilio: fail('twilio', 'destination-permanent') }, escalations: [email] });
    const mailed = await h.run({ login: 'ada@example.com' });
    assert.equal(
      mailed.result !== 'delayed' && mailed.result.result === 'accepted' && mailed.result.provider,
      'sendgrid',
    );
    const notMailed = await h.run({ login: 'ada' });
    assert.equal(notMailed.result !== 'delayed' && notMailed.result.result, 'failed');
    assert.deepEqual(sent, ['ada@example.com']);
  });

  it('hands a landline over to the voice channel, leaving the record open for the voice worker', async () => {
    const handed: string[] = [];
    const voice: Escalation = {
      name: 'voice',
      appliesTo: (_job, _secrets, failure) => Boolean(failure?.suggestsVoice),
      run: async (job) => {
        handed.push(job.eventId);
        return 'handed-over';
      },
    };
    const h = harness({
      scripts: { twilio: fail('twilio', 'destination-permanent', { suggestsVoice: true }) },
      escalations: [voice],
    });
    const { result, record } = await h.run();
    assert.deepEqual(result, { result: 'handed-over', to: 'voice' });
    assert.equal(record?.state, 'retrying');
    assert.equal(handed.length, 1);
  });

  it('counts the call after a throttle for the breaker: an outage there opens it, a success there resets it', async () => {
    /** A provider answering each call with the next script in line (the last one repeats). */
    const inTurn = (...scripts: Script[]): Script => {
      let call = 0;
      return (attempt) => (scripts[Math.min(call++, scripts.length - 1)] as Script)(attempt);
    };
    const throttled = fail('twilio', 'rate-limited', { retryAfterMs: 50 });
    const down = fail('twilio', 'unavailable');

    const failing = harness({
      scripts: { twilio: inTurn(down, throttled, down), vonage: ok('vonage') },
      breakerThreshold: 2,
    });
    await failing.run(); // one outage counted
    await failing.run(); // throttled, then down on the call after the wait: the second outage
    assert.deepEqual(failing.calls, ['twilio', 'vonage', 'twilio', 'twilio', 'vonage']);
    const [opened] = await failing.breakers.snapshot([{ provider: 'twilio', channel: 'sms' }]);
    assert.equal(opened?.state, 'open');

    const recovering = harness({
      scripts: { twilio: inTurn(down, throttled, ok('twilio'), down), vonage: ok('vonage') },
      breakerThreshold: 2,
    });
    await recovering.run(); // one outage counted
    const { result } = await recovering.run(); // throttled, then accepted: the count starts again
    assert.equal(result !== 'delayed' && result.result === 'accepted' && result.provider, 'twilio');
    await recovering.run(); // one outage: below the threshold again
    const [closed] = await recovering.breakers.snapshot([{ provider: 'twilio', channel: 'sms' }]);
    assert.deepEqual([closed?.state, closed?.failures], ['closed', 1]);
  });
});
