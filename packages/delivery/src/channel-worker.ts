import type { Server } from 'node:http';
import { decodeKey } from '@byot/config';
import {
  type Channel,
  QUEUE_CATALOG,
  type ReceiptDeadline,
  type SendJob,
  type SendQueueEntry,
  type SendWorkerSettings,
  type StatusEvent,
  type StatusQueueEntry,
} from '@byot/contracts';
import type { Logger } from '@byot/observability';
import {
  closeQueue,
  closeRedis,
  createRedisConnection,
  createSendQueue,
  createStatusQueue,
  describeRedisTarget,
  enqueue,
  type Keyspace,
  type KeyspaceConfig,
  keyspaceFromConfig,
  type RedisTargetConfig,
  redisTargetFromConfig,
  type SendQueue,
  type StatusQueue,
  startWorker,
  waitUntilReady,
} from '@byot/redis';
import { installShutdown, listeningPort, startHealthServer } from '@byot/runtime';
import { sealerFromConfig } from '@byot/sealing';
import { type ByotMetrics, currentTracing } from '@byot/telemetry';
import { FairShare, UsageCounters } from '@byot/tenancy';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CircuitBreakers } from './breaker.ts';
import { combineDeliveryEvents, type DeliveryEvents } from './events.ts';
import { createReceiptHandlers, type ReceiptResult, ReceiptTooEarly } from './receipts.ts';
import { DeliveryStore } from './records/delivery-store.ts';
import { createSendProcessor, type SendProcessorDeps } from './send/send-job.ts';
import type { ProcessResult, Route, Routing } from './send/shapes.ts';
import type { UsageRecorder } from './send/usage.ts';
import { DEFAULT_CREDENTIAL_SET, DEFAULT_TENANT, ProviderStatsRecorder } from './stats/provider-stats.ts';
import { traceEscalations, traceReceipt, traceRoutes, traceSendJobs } from './tracing.ts';

/**
 * The parsed environment a channel worker runs on: the `redisEnv`, `sealingEnv`, `deliveryEnv` and `workerEnv`
 * fragments of @byot/config, plus the worker's own HEALTH_PORT.
 */
export interface ChannelWorkerEnv extends KeyspaceConfig, RedisTargetConfig {
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
   * The channel's part of the attempt loop (its provider routes and policies, or per-tenant `routing`), built once
   * the worker's Redis connection exists, for whatever keeps shared state there. A rejection stops the start.
   */
  processor: (shared: ChannelWorkerShared) => ChannelProcessorDeps | Promise<ChannelProcessorDeps>;
  /** Observers for metrics and traces (see DeliveryEvents). */
  events?: DeliveryEvents;
  /** This process's metrics: served at GET /metrics on the health port; each job run scopes its failovers. */
  metrics?: ByotMetrics;
  /** Extra fields for the "started" log line (never secrets). */
  describe?: Record<string, unknown>;
  /**
   * With a tenants file the ingress gives each job its rank in its tenant's waiting line as priority (ADR 0020);
   * the job leaves that line when a worker starts it. Off (single-org): no such call.
   */
  fairShare?: boolean;
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
  /** The send worker's lock and the attempt-staleness bound derived from it (QUEUE_CATALOG, sendWorkerSettings). */
  settings: SendWorkerSettings;
  /** Runs the shutdown sequence (drain, close health server, disconnect, flush), then `exit`. */
  shutdown(): Promise<void>;
}

/**
 * Everything a channel worker process does besides talking to its provider: the worker-semantics Redis
 * connection, the sealer, the delivery store, the BullMQ workers of its send queue (the shared attempt loop) and
 * of the status queue (receipts), the health server, and the ordered SIGTERM drain. Each worker's main.ts builds
 * its routes and calls this.
 */
export async function startChannelWorker(options: ChannelWorkerOptions): Promise<ChannelWorker> {
  const { env, log, channel } = options;
  const keyspace = keyspaceFromConfig(env);
  const target = redisTargetFromConfig(env);
  // Worker semantics (maxRetriesPerRequest: null): BullMQ's blocking commands wait out Redis restarts and failovers.
  const connection = createRedisConnection({
    target,
    role: 'worker',
    name: `byot:${options.service}`,
  });
  connection.on('error', (err) => log.warn({ err }, 'redis connection error'));

  const store = new DeliveryStore(connection, keyspace, env.DELIVERY_RETENTION_SECONDS * 1000);
  // The support console's provider figures: counted here, flushed to Redis every few seconds.
  const stats = new ProviderStatsRecorder(connection, keyspace, {
    onError: (err) => log.warn({ err }, 'could not record provider figures for the console'),
  });
  const events = combineDeliveryEvents(options.events, stats.events);
  // Billing counters per tenant and day, written where outcomes are known (ADR 0013 "Usage").
  const usage = new UsageCounters(connection, keyspace);
  const breakers = sharedBreakers(connection, keyspace, options, events);
  const queues = {
    sms: createSendQueue('sms', connection, keyspace),
    voice: createSendQueue('voice', connection, keyspace),
  };
  const statusQueue = createStatusQueue(connection, keyspace);
  const untraced = await options.processor({ connection, keyspace, store, breakers, queues });
  const served = new ServedRoutes(channel, stats);
  if (untraced.routes) served.add(DEFAULT_TENANT, untraced.routes);
  // Each provider call and escalation gets a span of its own inside the job's span.
  const routes = untraced.routes && traceRoutes(channel, untraced.routes);
  // Every account's breaker: the gauge labels a tenant's account by its credential set (the default's by none).
  options.metrics?.observeBreakers(() => breakers.snapshot(served.breakers()));

  const settings = QUEUE_CATALOG[channel].worker({ providerTimeoutMs: env.PROVIDER_TIMEOUT_MS });
  const processor = createSendProcessor({
    ...sendLoopSettings(env, settings),
    ...untraced,
    ...(routes ? { routes } : {}),
    ...(untraced.routing ? { routing: served.traced(untraced.routing) } : {}),
    escalations: traceEscalations(untraced.escalations),
    store,
    sealer: sealerFromConfig(env, decodeKey),
    log,
    breakers,
    onAttempt: (event) => {
      untraced.onAttempt?.(event);
      events.attempt?.(event);
    },
    events,
    usage,
    ...receiptDeadline(env, statusQueue),
  });
  const common = { connection, keyspace, onError: (err: unknown) => log.error({ err }, 'worker error') };
  const worker = startSendWorker(options, {
    common,
    settings,
    processor: traceSendJobs(QUEUE_CATALOG[channel].name, processor, options.metrics),
  });
  const receiptWorker = startReceiptWorker(options, { common, store, queues, events, usage });

  const health = await startHealthServer({
    port: env.HEALTH_PORT,
    host: env.HEALTH_HOST,
    ready: async () => connection.status === 'ready' && worker.isRunning() && receiptWorker.isRunning(),
    routes: {
      ...options.metrics?.routes,
      // Breaker state of this channel's providers, as every replica sees it (shared in Redis).
      '/breakers': async () => ({
        contentType: 'application/json',
        body: JSON.stringify(await breakers.snapshot(served.breakers())),
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
      queue: QUEUE_CATALOG[channel].name,
      concurrency: options.concurrency,
      healthPort: listeningPort(health),
      ...describeRedisTarget(target),
      keyLayout: keyspace.layout,
      ...options.describe,
    },
    `${options.service} started`,
  );
  const shutdown = installShutdown(
    shutdownSteps({
      worker,
      receiptWorker,
      queues: [queues.sms, queues.voice, statusQueue],
      stats,
      health,
      connection,
      env,
      log,
    }),
    shutdownOptions(options),
  );
  return { worker, receiptWorker, connection, store, health, settings, shutdown };
}

/** The BullMQ worker of the channel's send queue; with fair share, a started job leaves its tenant's waiting line. */
function startSendWorker(
  options: ChannelWorkerOptions,
  parts: {
    common: { connection: Redis; keyspace: Keyspace; onError: (err: unknown) => void };
    settings: SendWorkerSettings;
    processor: ReturnType<typeof traceSendJobs<ProcessResult>>;
  },
) {
  const { common, settings, processor } = parts;
  const fair = options.fairShare ? new FairShare(common.connection, common.keyspace) : undefined;
  const worker = startWorker<SendQueueEntry, ProcessResult>(
    QUEUE_CATALOG[options.channel],
    {
      send: fair
        ? (job, token) => {
            // Out of the waiting line as the job starts; idempotent, and never on the send's critical path.
            void fair
              .leave(job.queueName, job.data.tenant ?? DEFAULT_TENANT, job.id as string)
              .catch(() => {});
            return processor(job, token);
          }
        : processor,
    },
    { ...common, concurrency: options.concurrency, settings },
  );
  worker.on('failed', (job, err) => options.log.error({ jobId: job?.id, err }, 'job failed unexpectedly'));
  return worker;
}

/**
 * Every route this worker has served, per tenant: registered for the console's figures and listed for the
 * breaker views. A tenant's routing is traced (a span per provider call) once per version of its routes.
 */
class ServedRoutes {
  readonly #channel: Channel;
  readonly #stats: ProviderStatsRecorder;
  readonly #breakers = new Map<string, { provider: string; channel: string; credentialSet?: string }>();
  readonly #traced = new WeakMap<Routing, Routing>();

  constructor(channel: Channel, stats: ProviderStatsRecorder) {
    this.#channel = channel;
    this.#stats = stats;
  }

  add(tenant: string, routes: Route[]): void {
    const channel = this.#channel;
    this.#stats.registerRoutes(
      routes.map((r) => ({
        tenant,
        channel,
        provider: r.provider,
        credentialSet: r.credentialSet ?? DEFAULT_CREDENTIAL_SET,
      })),
    );
    for (const r of routes) {
      const breaker = {
        provider: r.provider,
        channel,
        ...(r.credentialSet ? { credentialSet: r.credentialSet } : {}),
      };
      this.#breakers.set(`${r.provider}@${r.credentialSet ?? ''}`, breaker);
    }
  }

  breakers(): { provider: string; channel: string; credentialSet?: string }[] {
    return [...this.#breakers.values()];
  }

  traced(routing: NonNullable<SendProcessorDeps['routing']>): NonNullable<SendProcessorDeps['routing']> {
    return async (job) => {
      const untraced = await routing(job);
      let traced = this.#traced.get(untraced);
      if (!traced) {
        this.add(untraced.tenant, untraced.routes);
        traced = {
          ...untraced,
          routes: traceRoutes(this.#channel, untraced.routes),
          escalations: traceEscalations(untraced.escalations) ?? [],
        };
        this.#traced.set(untraced, traced);
      }
      return traced;
    };
  }
}

/** Every channel worker also consumes the status queue: receipts of SMS and calls alike, whichever replica. */
function startReceiptWorker(
  options: ChannelWorkerOptions,
  parts: {
    common: { connection: Redis; keyspace: Keyspace; onError: (err: unknown) => void };
    store: DeliveryStore;
    queues: Record<Channel, SendQueue>;
    events: DeliveryEvents;
    usage: UsageRecorder;
  },
): Worker<StatusEvent | ReceiptDeadline, ReceiptResult> {
  const { env, log } = options;
  const receiptHandlers = createReceiptHandlers({
    store: parts.store,
    log,
    queues: parts.queues,
    minUsefulLifetimeMs: env.MIN_OTP_LIFETIME_MS,
    failover: env.RECEIPT_FAILOVER,
    events: parts.events,
    usage: parts.usage,
    traceReceipt,
  });
  const receiptWorker = startWorker<StatusQueueEntry, ReceiptResult>(QUEUE_CATALOG.status, receiptHandlers, {
    ...parts.common,
    concurrency: env.STATUS_WORKER_CONCURRENCY,
    settings: QUEUE_CATALOG.status.worker(),
  });
  receiptWorker.on('failed', (job, err) => {
    if (err instanceof ReceiptTooEarly || err?.name === 'ReceiptTooEarly') return; // retried by BullMQ
    log.error({ jobId: job?.id, err }, 'status job failed');
  });
  return receiptWorker;
}

/** The shutdown's deadline (the drain plus a margin) and, for tests, its signals and exit. */
function shutdownOptions(options: ChannelWorkerOptions) {
  return {
    log: options.log,
    deadlineMs: options.env.SHUTDOWN_DRAIN_MS + 5_000,
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  };
}

/** The circuit breakers every replica shares through Redis; transitions are logged and observed. */
function sharedBreakers(
  connection: Redis,
  keyspace: Keyspace,
  options: ChannelWorkerOptions,
  events: DeliveryEvents,
): CircuitBreakers {
  const { env, log } = options;
  return new CircuitBreakers(
    connection,
    keyspace,
    {
      failureThreshold: env.BREAKER_FAILURE_THRESHOLD,
      windowMs: env.BREAKER_WINDOW_MS,
      cooldownMs: env.BREAKER_COOLDOWN_MS,
      probeTimeoutMs: env.PROVIDER_TIMEOUT_MS + 5_000,
    },
    (t) => {
      const line = {
        provider: t.provider,
        channel: t.channel,
        ...(t.credentialSet ? { credentialSet: t.credentialSet } : {}),
        from: t.from,
        to: t.to,
        failures: t.failures,
      };
      if (t.to === 'open') log.error(line, `circuit breaker opened: skipping ${t.provider} for ${t.channel}`);
      else log.warn(line, `circuit breaker ${t.to}: ${t.provider} for ${t.channel}`);
      events.breaker?.(t);
    },
  );
}

/** The retry policy and the attempt-staleness bound (from the queue's lock, never set apart from it). */
function sendLoopSettings(
  env: ChannelWorkerEnv,
  settings: SendWorkerSettings,
): Pick<SendProcessorDeps, 'retry' | 'attemptStaleAfterMs'> {
  return {
    retry: {
      baseDelayMs: env.RETRY_BASE_DELAY_MS,
      maxDelayMs: env.RETRY_MAX_DELAY_MS,
      minUsefulLifetimeMs: env.MIN_OTP_LIFETIME_MS,
      maxAttempts: 12,
    },
    attemptStaleAfterMs: settings.attemptStaleAfterMs,
  };
}

/** The "no receipt within N seconds" rule (RECEIPT_TIMEOUT_SECONDS), when on: a check queued on the status queue. */
function receiptDeadline(
  env: ChannelWorkerEnv,
  statusQueue: StatusQueue,
): Pick<SendProcessorDeps, 'receiptDeadline'> {
  const afterMs = env.RECEIPT_TIMEOUT_SECONDS * 1000;
  if (afterMs <= 0) return {};
  return {
    receiptDeadline: {
      afterMs,
      schedule: async (check, delayMs) => {
        await enqueue(
          statusQueue,
          'deadline',
          { version: 1, kind: 'receipt-deadline', ...check },
          { delayMs },
        );
      },
    },
  };
}

/** SIGTERM: stop taking jobs and let running ones finish (bounded), then close everything, logs last. */
function shutdownSteps(parts: {
  worker: Worker;
  receiptWorker: Worker;
  queues: (SendQueue | StatusQueue)[];
  stats: ProviderStatsRecorder;
  health: Server;
  connection: Redis;
  env: ChannelWorkerEnv;
  log: Logger;
}) {
  const { worker, receiptWorker, health, log, env } = parts;
  return [
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
        await Promise.all(parts.queues.map((q) => closeQueue(q)));
        await parts.stats.stop();
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
    { name: 'disconnect redis', run: () => closeRedis(parts.connection) },
    { name: 'flush traces', run: () => currentTracing().shutdown() },
    { name: 'flush logs', run: async () => log.flush() },
  ];
}
