import {
  type Channel,
  jobNameOf,
  QUEUE_CATALOG,
  type QueueEntry,
  type SendQueueEntry,
  type StatusQueueEntry,
} from '@byot/contracts';
import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import type { z } from 'zod';
import type { Keyspace } from './keyspace.ts';

/** A job kind of a catalog entry, and its payload. */
export type JobKey<E extends QueueEntry> = keyof E['jobs'] & string;
export type PayloadOf<E extends QueueEntry, K extends JobKey<E> = JobKey<E>> = z.infer<
  E['jobs'][K]['schema']
>;

/** A BullMQ queue made from a catalog entry: its jobs are added with `enqueue`, typed by the entry. */
export type CatalogQueue<E extends QueueEntry> = Queue<PayloadOf<E>, unknown, string> & { readonly entry: E };

export function createQueue<E extends QueueEntry>(
  entry: E,
  connection: ConnectionOptions,
  keyspace: Keyspace,
): CatalogQueue<E> {
  const queue = new Queue<PayloadOf<E>, unknown, string>(entry.name, {
    connection,
    prefix: keyspace.queuePrefix(entry.name),
    defaultJobOptions: { ...entry.jobOptions },
  });
  return Object.assign(queue, { entry });
}

export interface EnqueueOptions {
  /** The job id, from the entry's conventions (SEND_JOB_IDS, statusJobIdFor): an add whose id exists is ignored. */
  jobId?: string;
  delayMs?: number;
  /** BullMQ priority (1 first … 2^21-1): the fair share between tenants (@byot/tenancy FairShare, ADR 0020). */
  priority?: number;
}

/** Adds one job of kind `job`, named as the catalog says; returns its id. */
export async function enqueue<E extends QueueEntry, K extends JobKey<E>>(
  queue: CatalogQueue<E>,
  job: K,
  payload: PayloadOf<E, K>,
  options: EnqueueOptions = {},
): Promise<string | undefined> {
  const name = jobNameOf(queue.entry.jobs[job] as E['jobs'][K], payload);
  // BullMQ's name/data generics cannot follow a generic entry: the entry's types are the checks here.
  const added = await (queue as unknown as Queue).add(name, payload, jobsOptions(options));
  return added.id;
}

/** Adds several jobs in one round trip (one callback's status events). */
export async function enqueueBulk<E extends QueueEntry, K extends JobKey<E>>(
  queue: CatalogQueue<E>,
  job: K,
  jobs: readonly { payload: PayloadOf<E, K>; options?: EnqueueOptions }[],
): Promise<void> {
  const kind = queue.entry.jobs[job] as E['jobs'][K];
  await (queue as unknown as Queue).addBulk(
    jobs.map(({ payload, options }) => ({
      name: jobNameOf(kind, payload),
      data: payload,
      opts: jobsOptions(options ?? {}),
    })),
  );
}

function jobsOptions(options: EnqueueOptions): JobsOptions {
  return {
    ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
    ...(options.delayMs === undefined ? {} : { delay: options.delayMs }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
  };
}

export type SendQueue = CatalogQueue<SendQueueEntry>;
/** Verified callbacks (StatusEvent) and the worker's own receipt deadlines (ReceiptDeadline). */
export type StatusQueue = CatalogQueue<StatusQueueEntry>;

export function createSendQueue(
  channel: Channel,
  connection: ConnectionOptions,
  keyspace: Keyspace,
): SendQueue {
  return createQueue<SendQueueEntry>(QUEUE_CATALOG[channel], connection, keyspace);
}

export function createStatusQueue(connection: ConnectionOptions, keyspace: Keyspace): StatusQueue {
  return createQueue(QUEUE_CATALOG.status, connection, keyspace);
}

/**
 * Queue.close() waits for the connection to be ready first, so against an unreachable Redis it never returns.
 * Shutdown must not hang on that: give up after `timeoutMs` (the connection is closed separately).
 */
export async function closeQueue(queue: { close(): Promise<void> }, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    queue.close().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Removes send jobs older than `maxAgeMs` that are still waiting or delayed. Their codes expired long ago (the
 * ingress caps every OTP's lifetime below that age), and a worker would only discard them; removing them here keeps
 * the promise that nothing of an OTP stays in Redis for long after it expires, even while no worker runs.
 */
export async function cleanExpiredJobs(queue: SendQueue, maxAgeMs: number, limit = 1_000): Promise<number> {
  let removed = 0;
  for (const state of ['wait', 'delayed', 'paused', 'prioritized'] as const) {
    removed += (await queue.clean(maxAgeMs, limit, state)).length;
  }
  return removed;
}

/** Runs cleanExpiredJobs every `intervalMs` (unref'd); returns a stop function. */
export function startQueueJanitor(
  queues: SendQueue[],
  maxAgeMs: number,
  intervalMs: number,
  onResult: (queue: string, removed: number, error?: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    for (const queue of queues) {
      cleanExpiredJobs(queue, maxAgeMs).then(
        (removed) => removed > 0 && onResult(queue.name, removed),
        (error: unknown) => onResult(queue.name, 0, error),
      );
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
