import type { Server } from 'node:http';
import { decodeKey } from '@byot/config';
import {
  type Channel,
  QUEUES,
  RECEIPT_DEADLINE_JOB,
  type ReceiptDeadline,
  type SendJob,
  type StatusEvent,
} from '@byot/contracts';
import type { Logger } from '@byot/observability';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  createStatusQueue,
  type Keyspace,
  type SendQueue,
  waitUntilReady,
} from '@byot/redis';
import { installShutdown, listeningPort, startHealthServer } from '@byot/runtime';
import { sealerFromConfig } from '@byot/sealing';
import { type ByotMetrics, currentTracing } from '@byot/telemetry';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CircuitBreakers } from './breaker.ts';
import { combineDeliveryEvents, type DeliveryEvents } from './events.ts';
import { createSendProcessor, type ProcessResult, type SendProcessorDeps } from './processor.ts';
import { createReceiptProcessor, type ReceiptResult, ReceiptTooEarly } from './receipts.ts';
import { DeliveryStore } from './records/delivery-store.ts';
import { DEFAULT_CREDENTIAL_SET, DEFAULT_TENANT, ProviderStatsRecorder } from './stats/provider-stats.ts';
import { traceEscalations, traceReceipt, traceRoutes, traceSendJobs } from './tracing.ts';

/**
 * The parsed environment a channel worker runs on: the `redisEnv`, `sealingEnv`, `deliveryEnv` and `workerEnv`
 * fragments of @byot/config, plus the worker's own HEALTH_PORT.
 */
export interface ChannelWorkerEnv {
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  REDIS_CLUSTER_HASH_TAG: boolean;
  DATA_ENCRYPTION_KEY: string;
  DATA_ENCRYPTION_KEY_PREVIOUS?: string | undefined;
  DELIVERY_RETENTION_SECONDS: number;
  MIN_OTP_LIFETIME_MS: number;
  RETRY_BASE_DELAY_MS: number;
  RETRY_MAX_DELAY_MS: number;
  PROVIDER_TIMEOUT_MS: number;
  SHUTDOWN_DRAIN_MS: number;
  HEALTH_PORT: number;
  HEALTH_HOST: string;
  BREAKER_FAILURE_THRESHOLD: number;
  BREAKER_WINDOW_MS: number;
  BREAKER_COOLDOWN_MS: number;
  RECEIPT_FAILOVER: boolean;
  RECEIPT_TIMEOUT_SECONDS: number;
  STATUS_WORKER_CONCURRENCY: number;
}

/** What the attempt loop needs from a channel; the worker supplies the rest (store, sealer, log, retry policy). */
export type ChannelProcessorDeps = Omit<
  SendProcessorDeps,
  'store' | 'sealer' | 'log' | 'retry' | 'attemptStaleAfterMs' | 'breakers' | 'events' | 'receiptDeadline'
>;

export interface ChannelWorkerShared {
  connection: Redis;
  keyspace: Keyspace;
  store: DeliveryStore;
  breakers: CircuitBreakers;
  /** The worker's own send queues (closed by its shutdown): where an escalation hands a delivery over. */
  queues: Record<Channel, SendQueue>;
}

export interface ChannelWorkerOptions {
  /** Process name in logs and in Redis CLIENT LIST ("sms-worker"). */
  service: string;
  /** Which queue to consume: QUEUES[channel]. */
  channel: Channel;
  env: ChannelWorkerEnv;
  concurrency: number;
  log: Logger;
  /**
   * The channel's part of the attempt loop (its provider routes and policies), built once the worker's Redis
   * connection exists, for whatever keeps shared state there.
   */
  processor: (shared: ChannelWorkerShared) => ChannelProcessorDeps;
  /** Observers for metrics and traces (see DeliveryEvents). */
  events?: DeliveryEvents;
  /** This process's metrics: served at GET /metrics on the health port; each job run scopes its failovers. */
  metrics?: ByotMetrics;
  /** Extra fields for the "started" log line (never secrets). */
  describe?: Record<string, unknown>;
  /** Signals that start the graceful shutdown; default SIGTERM and SIGINT. Tests pass []. */
  signals?: NodeJS.Signals[];
  /** What ends the process after shutdown; default process.exit. */
  exit?: (code: number) => void;
}

export interface ChannelWorker {
  worker: Worker<SendJob, ProcessResult>;
  /** The status-queue consumer: the delivery ledger and receipt-driven failover. */
  receiptWorker: Worker<StatusEvent | ReceiptDeadline, ReceiptResult>;
  connection: Redis;
  store: DeliveryStore;
  health: Server;
  /** Runs the shutdown sequence (drain, close health server, disconnect, flush), then `exit`. */
  shutdown(): Promise<void>;
}

/**
 * Everything a channel worker process does besides talking to its provider: the worker-semantics Redis
 * connection, the sealer, the delivery store, the BullMQ worker running the shared attempt loop, the health
 * server, and the ordered SIGTERM drain. Each worker's main.ts builds its provider and calls this.
 */
export async function startChannelWorker(options: ChannelWorkerOptions): Promise<ChannelWorker> {
  const { env, log } = options;
  const queue = QUEUES[options.channel];
  const keyspace = createKeyspace(env.REDIS_KEY_PREFIX, env.REDIS_CLUSTER_HASH_TAG);

  // Worker semantics (maxRetriesPerRequest: null): BullMQ's blocking commands wait out Redis restarts.
  const connection = createRedisConnection({
    url: env.REDIS_URL,
    role: 'worker',
    name: `byot:${options.service}`,
  });
  connection.on('error', (err) => log.warn({ err }, 'redis connection error'));

  const sealer = sealerFromConfig(env, decodeKey);
  const store = new DeliveryStore(connection, keyspace, env.DELIVERY_RETENTION_SECONDS * 1000);
  // The support console's provider figures: counted here, flushed to Redis every few seconds.
  const stats = new ProviderStatsRecorder(connection, keyspace, {
    onError: (err) => log.warn({ err }, 'could not record provider figures for the console'),
  });
  const events = combineDeliveryEvents(options.events, stats.events);
  const breakers = new CircuitBreakers(
    connection,
    keyspace,
    {
      failureThreshold: env.BREAKER_FAILURE_THRESHOLD,
      windowMs: env.BREAKER_WINDOW_MS,
      cooldownMs: env.BREAKER_COOLDOWN_MS,
      probeTimeoutMs: env.PROVIDER_TIMEOUT_MS + 5_000,
    },
    (t) => {
      const line = { provider: t.provider, channel: t.channel, from: t.from, to: t.to, failures: t.failures };
      if (t.to === 'open') log.error(line, `circuit breaker opened: skipping ${t.provider} for ${t.channel}`);
      else log.warn(line, `circuit breaker ${t.to}: ${t.provider} for ${t.channel}`);
      events.breaker?.(t);
    },
  );
  const sendQueues = {
    sms: createSendQueue('sms', connection, keyspace),
    voice: createSendQueue('voice', connection, keyspace),
  };
  const untraced = options.processor({ connection, keyspace, store, breakers, queues: sendQueues });
  stats.registerRoutes(
    untraced.routes.map((r) => ({
      tenant: DEFAULT_TENANT,
      channel: options.channel,
      provider: r.provider,
      credentialSet: DEFAULT_CREDENTIAL_SET,
    })),
  );
  // Each provider call and escalation gets a span of its own inside the job's span.
  const channelDeps = {
    ...untraced,
    routes: traceRoutes(options.channel, untraced.routes),
    escalations: traceEscalations(untraced.escalations),
  };
  options.metrics?.observeBreakers(() =>
    breakers.snapshot(untraced.routes.map((r) => ({ provider: r.provider, channel: options.channel }))),
  );
  const statusQueue = createStatusQueue(connection, keyspace);
  const receiptTimeoutMs = env.RECEIPT_TIMEOUT_SECONDS * 1000;

  const processor = createSendProcessor({
    store,
    sealer,
    log,
    retry: {
      baseDelayMs: env.RETRY_BASE_DELAY_MS,
      maxDelayMs: env.RETRY_MAX_DELAY_MS,
      minUsefulLifetimeMs: env.MIN_OTP_LIFETIME_MS,
      maxAttempts: 12,
    },
    attemptStaleAfterMs: env.PROVIDER_TIMEOUT_MS + 5_000,
    ...channelDeps,
    breakers,
    onAttempt: (event) => {
      channelDeps.onAttempt?.(event);
      events.attempt?.(event);
    },
    events,
    ...(receiptTimeoutMs > 0
      ? {
          receiptDeadline: {
            afterMs: receiptTimeoutMs,
            schedule: async (check: { provider: string; providerMessageId: string }, afterMs: number) => {
              const data: ReceiptDeadline = { version: 1, kind: 'receipt-deadline', ...check };
              await statusQueue.add(RECEIPT_DEADLINE_JOB, data, { delay: afterMs });
            },
          },
        }
      : {}),
  });

  const worker = new Worker<SendJob, ProcessResult>(queue, traceSendJobs(queue, processor, options.metrics), {
    connection,
    prefix: keyspace.prefix,
    concurrency: options.concurrency,
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

  // Every channel worker also consumes the status queue: receipts of SMS and calls alike, whichever replica.
  const receiptWorker = new Worker<StatusEvent | ReceiptDeadline, ReceiptResult>(
    QUEUES.status,
    createReceiptProcessor({
      store,
      log,
      queues: sendQueues,
      minUsefulLifetimeMs: env.MIN_OTP_LIFETIME_MS,
      failover: env.RECEIPT_FAILOVER,
      events,
      traceReceipt,
    }),
    {
      connection,
      prefix: keyspace.prefix,
      concurrency: env.STATUS_WORKER_CONCURRENCY,
      maxStalledCount: 3,
      lockDuration: 15_000,
      stalledInterval: 5_000,
      autorun: false,
    },
  );
  receiptWorker.on('error', (err) => log.error({ err }, 'receipt worker error'));
  receiptWorker.on('failed', (job, err) => {
    if (err instanceof ReceiptTooEarly || err?.name === 'ReceiptTooEarly') return; // retried by BullMQ
    log.error({ jobId: job?.id, err }, 'status job failed');
  });

  const health = await startHealthServer({
    port: env.HEALTH_PORT,
    host: env.HEALTH_HOST,
    ready: async () => connection.status === 'ready' && worker.isRunning() && receiptWorker.isRunning(),
    routes: {
      ...options.metrics?.routes,
      // Breaker state of this channel's providers, as every replica sees it (shared in Redis).
      '/breakers': async () => ({
        contentType: 'application/json',
        body: JSON.stringify(
          await breakers.snapshot(
            channelDeps.routes.map((r) => ({ provider: r.provider, channel: options.channel })),
          ),
        ),
      }),
    },
  });

  await waitUntilReady(connection, 30_000).catch((err) =>
    log.warn({ err }, 'redis not ready yet; the worker will wait'),
  );
  void worker.run();
  void receiptWorker.run();
  stats.start();
  log.info(
    {
      queue,
      concurrency: options.concurrency,
      healthPort: listeningPort(health),
      ...options.describe,
    },
    `${options.service} started`,
  );

  const shutdown = installShutdown(
    [
      {
        name: 'drain in-flight sends',
        run: async () => {
          // close() stops fetching new jobs and waits for running ones; it has no deadline of its own.
          const drained = Promise.all([worker.close(), receiptWorker.close()]);
          const timedOut = await Promise.race([
            drained.then(() => false),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(true), env.SHUTDOWN_DRAIN_MS).unref()),
          ]);
          if (timedOut) {
            log.warn(
              { drainMs: env.SHUTDOWN_DRAIN_MS },
              'drain deadline passed; in-flight jobs will be redelivered',
            );
            await Promise.all([worker.close(true), receiptWorker.close(true)]);
          }
          await Promise.all([...Object.values(sendQueues), statusQueue].map((q) => closeQueue(q)));
          await stats.stop();
        },
      },
      {
        name: 'close health server',
        run: () =>
          new Promise<void>((resolve) => {
            health.close(() => resolve());
            // A probe's keep-alive connection would otherwise hold close() until it times out.
            health.closeIdleConnections();
          }),
      },
      { name: 'disconnect redis', run: () => closeRedis(connection) },
      { name: 'flush traces', run: () => currentTracing().shutdown() },
      { name: 'flush logs', run: async () => log.flush() },
    ],
    {
      log,
      deadlineMs: env.SHUTDOWN_DRAIN_MS + 5_000,
      ...(options.signals ? { signals: options.signals } : {}),
      ...(options.exit ? { exit: options.exit } : {}),
    },
  );

  return { worker, receiptWorker, connection, store, health, shutdown };
}
