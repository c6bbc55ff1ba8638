import type { QueueEntry, WorkerSettings } from '@byot/contracts';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keyspace } from './keyspace.ts';
import type { JobKey, PayloadOf } from './queues.ts';

/** One handler per job kind of the entry: the job's payload typed by the catalog. */
export type JobHandlers<E extends QueueEntry, R> = {
  [K in JobKey<E>]: (job: Job<PayloadOf<E, K>>, token?: string) => Promise<R>;
};

export interface StartWorkerOptions {
  /** A worker-semantics connection (maxRetriesPerRequest: null), as BullMQ requires. */
  connection: Redis;
  keyspace: Keyspace;
  concurrency: number;
  /** The entry's worker settings (lock, stall), as the catalog derives them for this process. */
  settings: WorkerSettings;
  /** Where the worker's own errors go (lost connection, a job failing outside the handlers' control). */
  onError(error: unknown): void;
}

/**
 * A BullMQ worker consuming a catalog queue: the entry's name and worker settings, and each job dispatched by its
 * name to the handler of its kind. Not yet running (autorun off): the caller runs it once the rest is in place.
 */
export function startWorker<E extends QueueEntry, R>(
  entry: E,
  handlers: JobHandlers<E, R>,
  options: StartWorkerOptions,
): Worker<PayloadOf<E>, R> {
  const byName = new Map<string, JobKey<E>>();
  let named: JobKey<E> | undefined;
  for (const [key, job] of Object.entries(entry.jobs) as [JobKey<E>, E['jobs'][JobKey<E>]][]) {
    if (typeof job.name === 'string') byName.set(job.name, key);
    else named = key;
  }
  const worker = new Worker<PayloadOf<E>, R>(
    entry.name,
    (job, token) => {
      // A fixed name is its kind's; any other name belongs to the kind whose names are made from the payload.
      const key = byName.get(job.name) ?? named;
      if (key === undefined) throw new Error(`${entry.name}: no handler for job name ${job.name}`);
      return (handlers[key] as (job: Job, token?: string) => Promise<R>)(job, token);
    },
    {
      connection: options.connection,
      prefix: options.keyspace.queuePrefix(entry.name),
      concurrency: options.concurrency,
      // A job whose worker died is handed out again once its lock lapses; the delivery record keeps it from being
      // sent twice when the first attempt is known to have finished.
      lockDuration: options.settings.lockDurationMs,
      stalledInterval: options.settings.stalledIntervalMs,
      maxStalledCount: options.settings.maxStalledCount,
      autorun: false,
    },
  );
  worker.on('error', options.onError);
  return worker;
}
