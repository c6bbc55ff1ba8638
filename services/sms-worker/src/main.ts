import { decodeKey, loadConfigOrExit } from '@byot/config';
import { CALLBACK_PATHS, QUEUES, type SendJob } from '@byot/contracts';
import { createSendProcessor, DeliveryStore, type ProcessResult } from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { createTwilioClient, TwilioSmsProvider } from '@byot/providers';
import { closeRedis, createKeyspace, createRedisConnection, waitUntilReady } from '@byot/redis';
import { installShutdown, listeningPort, startHealthServer } from '@byot/runtime';
import { createSealer } from '@byot/sealing';
import { Worker } from 'bullmq';
import { smsWorkerEnvSchema } from './config.ts';
import { smsText } from './sms-text.ts';

const config = loadConfigOrExit(smsWorkerEnvSchema, 'sms-worker');
const log = createLogger({ service: 'sms-worker', level: config.LOG_LEVEL });
const keyspace = createKeyspace(config.REDIS_KEY_PREFIX, config.REDIS_CLUSTER_HASH_TAG);

// Worker semantics (maxRetriesPerRequest: null): BullMQ's blocking commands wait out Redis restarts.
const connection = createRedisConnection({ url: config.REDIS_URL, role: 'worker', name: 'byot:sms-worker' });
connection.on('error', (err) => log.warn({ err }, 'redis connection error'));

const sealer = createSealer(
  decodeKey(config.DATA_ENCRYPTION_KEY) as Buffer,
  config.DATA_ENCRYPTION_KEY_PREVIOUS ? [decodeKey(config.DATA_ENCRYPTION_KEY_PREVIOUS) as Buffer] : [],
);
const store = new DeliveryStore(connection, keyspace, config.DELIVERY_RETENTION_SECONDS * 1000);

const twilioSms = new TwilioSmsProvider(
  createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    ...(config.TWILIO_API_BASE_URL ? { apiBaseUrl: config.TWILIO_API_BASE_URL } : {}),
  }),
  {
    ...(config.TWILIO_FROM_NUMBER ? { fromNumber: config.TWILIO_FROM_NUMBER } : {}),
    ...(config.TWILIO_MESSAGING_SERVICE_SID
      ? { messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID }
      : {}),
  },
);
const statusCallbackUrl =
  config.STATUS_CALLBACKS && config.PUBLIC_BASE_URL
    ? `${config.PUBLIC_BASE_URL}${CALLBACK_PATHS.twilioMessages}`
    : undefined;

const processor = createSendProcessor({
  store,
  sealer,
  log,
  retry: {
    baseDelayMs: config.RETRY_BASE_DELAY_MS,
    maxDelayMs: config.RETRY_MAX_DELAY_MS,
    minUsefulLifetimeMs: config.MIN_OTP_LIFETIME_MS,
    maxAttempts: 12,
  },
  attemptStaleAfterMs: config.PROVIDER_TIMEOUT_MS + 5_000,
  providerFor: () => twilioSms.name,
  send: (job, secrets) =>
    twilioSms.sendSms({
      to: secrets.phoneE164,
      body: smsText(secrets.otpCode, secrets.message, config.SMS_TEMPLATE),
      validitySeconds: Math.floor((job.otpExpiresAt - Date.now()) / 1000),
      clientRef: job.deliveryId,
      ...(statusCallbackUrl ? { statusCallbackUrl } : {}),
    }),
});

const worker = new Worker<SendJob, ProcessResult>(QUEUES.sms, processor, {
  connection,
  prefix: keyspace.prefix,
  concurrency: config.SMS_WORKER_CONCURRENCY,
  // A job whose worker died is picked up again after the lock lapses; the delivery record keeps it from
  // being sent twice when the first attempt is known to have finished.
  maxStalledCount: 3,
  // A dead worker's job is handed out again within ~15 s (the lock is renewed every 7.5 s while alive).
  lockDuration: 15_000,
  stalledInterval: 5_000,
  autorun: false,
});
worker.on('error', (err) => log.error({ err }, 'worker error'));
worker.on('failed', (job, err) => log.error({ jobId: job?.id, err }, 'job failed unexpectedly'));

const health = await startHealthServer({
  port: config.HEALTH_PORT,
  host: config.HEALTH_HOST,
  ready: async () => connection.status === 'ready' && worker.isRunning(),
});

await waitUntilReady(connection, 30_000).catch((err) =>
  log.warn({ err }, 'redis not ready yet; the worker will wait'),
);
void worker.run();
log.info(
  {
    queue: QUEUES.sms,
    concurrency: config.SMS_WORKER_CONCURRENCY,
    healthPort: listeningPort(health),
    twilioBaseUrl: config.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    statusCallbacks: Boolean(statusCallbackUrl),
  },
  'sms-worker started',
);

installShutdown(
  [
    {
      name: 'drain in-flight sends',
      run: async () => {
        // close() stops fetching new jobs and waits for running ones; it has no deadline of its own.
        const drained = worker.close();
        const timedOut = await Promise.race([
          drained.then(() => false),
          new Promise<boolean>((resolve) =>
            setTimeout(() => resolve(true), config.SHUTDOWN_DRAIN_MS).unref(),
          ),
        ]);
        if (timedOut) {
          log.warn(
            { drainMs: config.SHUTDOWN_DRAIN_MS },
            'drain deadline passed; in-flight jobs will be redelivered',
          );
          await worker.close(true);
        }
      },
    },
    { name: 'close health server', run: () => new Promise<void>((resolve) => health.close(() => resolve())) },
    { name: 'disconnect redis', run: () => closeRedis(connection) },
    { name: 'flush logs', run: async () => log.flush() },
  ],
  { log, deadlineMs: config.SHUTDOWN_DRAIN_MS + 5_000 },
);
