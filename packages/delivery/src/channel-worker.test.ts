/**
 * The channel worker's wiring where configuration could break it: the attempt-staleness bound is derived from the
 * send queue's lock (the queue catalog), so a long PROVIDER_TIMEOUT_MS lengthens the lock with it instead of
 * leaving a provider call in flight looking dead.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { deliveryIdFor, jobIdFor, type SendJob } from '@byot/contracts';
import { createLogger } from '@byot/observability';
import { closeQueue, closeRedis, createKeyspace, createRedisConnection, createSendQueue } from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { FairShare } from '@byot/tenancy';
import { eventually, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import { type ChannelWorker, type ChannelWorkerEnv, startChannelWorker } from './channel-worker.ts';
import { DeliveryStore } from './records/delivery-store.ts';

const DATA_KEY = randomBytes(32);
let redisUrl: string;
let producer: Redis;
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
  producer = createRedisConnection({ url: redisUrl, role: 'worker', name: 'channel-worker-test' });
});
after(async () => {
  await closeRedis(producer);
});

function env(prefix: string, providerTimeoutMs: number): ChannelWorkerEnv {
  return {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    REDIS_CLUSTER_HASH_TAG: false,
    DATA_ENCRYPTION_KEY: DATA_KEY.toString('base64'),
    DELIVERY_RETENTION_SECONDS: 600,
    MIN_OTP_LIFETIME_MS: 5_000,
    RETRY_BASE_DELAY_MS: 50,
    RETRY_MAX_DELAY_MS: 200,
    PROVIDER_TIMEOUT_MS: providerTimeoutMs,
    SHUTDOWN_DRAIN_MS: 2_000,
    HEALTH_PORT: 0,
    HEALTH_HOST: '127.0.0.1',
    BREAKER_FAILURE_THRESHOLD: 100,
    BREAKER_WINDOW_MS: 60_000,
    BREAKER_COOLDOWN_MS: 30_000,
    RECEIPT_FAILOVER: true,
    RECEIPT_TIMEOUT_SECONDS: 0,
    STATUS_WORKER_CONCURRENCY: 1,
  };
}

describe('startChannelWorker', () => {
  it('a 20 s PROVIDER_TIMEOUT_MS gets a 30 s lock and a 25 s bound: a call in flight for 20 s is not taken for dead', async () => {
    const keyspace = createKeyspace(uniquePrefix('channel-worker'));
    const sends: string[] = [];
    let worker: ChannelWorker | undefined;
    const queue = createSendQueue('sms', producer, keyspace);
    try {
      worker = await startChannelWorker({
        service: 'sms-worker',
        channel: 'sms',
        env: env(keyspace.prefix, 20_000),
        concurrency: 1,
        log: createLogger({ service: 'sms-worker', destination: new PassThrough() }),
        processor: () => ({
          routes: [
            {
              provider: 'twilio',
              send: async (job) => {
                sends.push(job.eventId);
                return { provider: 'twilio', providerMessageId: 'SM1', providerStatus: 'queued' };
              },
            },
          ],
        }),
        signals: [],
        exit: () => {},
      });
      assert.equal(worker.worker.opts.lockDuration, 30_000);
      assert.deepEqual(
        [worker.settings.lockDurationMs, worker.settings.attemptStaleAfterMs],
        [30_000, 25_000],
      );

      // Another worker began an attempt 20 s ago and is still inside its provider call (20 s timeout); the same
      // job handed out again meanwhile must wait for it, not send a second code. (With the fixed 10 s bound of a
      // 5 s timeout it would have resumed and sent.)
      const eventId = `evt${randomBytes(6).toString('hex')}`;
      const job: SendJob = {
        version: 1,
        eventId,
        deliveryId: deliveryIdFor(eventId),
        channel: 'sms',
        requestType: 'com.okta.user.telephony.mfa-verification',
        otpExpiresAt: Date.now() + 300_000,
        receivedAt: Date.now(),
        phoneMasked: '+1••••••••23',
        sealed: createSealer(DATA_KEY).sealJson({ otpCode: '482913', phoneE164: '+14155550123' }, eventId),
      };
      const store = new DeliveryStore(producer, keyspace, 600_000);
      await store.beginAttempt(job, 'twilio', worker.settings.attemptStaleAfterMs, Date.now() - 20_000);
      await queue.add('send', job, { jobId: jobIdFor(eventId) });
      await eventually(async () =>
        assert.equal(await (await queue.getJob(jobIdFor(eventId)))?.getState(), 'delayed'),
      );
      assert.deepEqual(sends, []);
      assert.equal((await store.get(eventId))?.state, 'sending');
    } finally {
      await worker?.shutdown();
      await closeQueue(queue);
    }
  });

  it("with fairShare, a job leaves its tenant's fair-share waiting line as it starts", async () => {
    const keyspace = createKeyspace(uniquePrefix('channel-worker'));
    const queue = createSendQueue('sms', producer, keyspace);
    const fair = new FairShare(producer, keyspace);
    const sent: string[] = [];
    let worker: ChannelWorker | undefined;
    try {
      worker = await startChannelWorker({
        service: 'sms-worker',
        channel: 'sms',
        env: env(keyspace.prefix, 5_000),
        concurrency: 1,
        log: createLogger({ service: 'sms-worker', destination: new PassThrough() }),
        fairShare: true,
        processor: () => ({
          routing: (job) => ({
            tenant: job.tenant ?? 'default',
            routes: [
              {
                provider: 'twilio',
                send: async (j) => {
                  sent.push(j.eventId);
                  return { provider: 'twilio', providerMessageId: 'SM2', providerStatus: 'queued' };
                },
              },
            ],
            escalations: [],
          }),
        }),
        signals: [],
        exit: () => {},
      });
      const eventId = `acme.evt${randomBytes(6).toString('hex')}`;
      const job: SendJob = {
        version: 1,
        eventId,
        tenant: 'acme',
        deliveryId: deliveryIdFor(eventId),
        channel: 'sms',
        requestType: 'com.okta.user.telephony.mfa-verification',
        otpExpiresAt: Date.now() + 300_000,
        receivedAt: Date.now(),
        phoneMasked: '+1••••••••23',
        sealed: createSealer(DATA_KEY).sealJson({ otpCode: '482913', phoneE164: '+14155550123' }, eventId),
      };
      // As the ingress does with a tenants file: into the waiting line, added with its rank as priority.
      const { priority } = await fair.admit({
        queue: queue.name,
        tenant: 'acme',
        jobId: jobIdFor(eventId),
        expiresAt: job.otpExpiresAt,
      });
      assert.equal(await fair.backlog(queue.name, 'acme'), 1);
      await queue.add('send', job, { jobId: jobIdFor(eventId), priority });
      await eventually(() => assert.deepEqual(sent, [eventId]));
      await eventually(async () => assert.equal(await fair.backlog(queue.name, 'acme'), 0));
    } finally {
      await worker?.shutdown();
      await closeQueue(queue);
    }
  });
});
