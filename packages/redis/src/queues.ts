import { type Channel, QUEUES, type ReceiptDeadline, type SendJob, type StatusEvent } from '@byot/contracts';
import { type ConnectionOptions, type DefaultJobOptions, Queue } from 'bullmq';
import type { Keyspace } from './keyspace.ts';

/**
 * Send jobs are removed as soon as they finish: the delivery record (its own key, with a TTL tied to the OTP's
 * expiry) is what remains, so no sealed payload lingers in Redis. Retries are scheduled by the worker itself
 * (bounded by the OTP's expiry), so BullMQ's own attempts/backoff are not used.
 */
export const SEND_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 1,
  removeOnComplete: true,
  removeOnFail: true,
};

export type SendQueue = Queue<SendJob, unknown, string>;

export function sendQueueName(channel: Channel): string {
  return QUEUES[channel];
}

export function createSendQueue(
  channel: Channel,
  connection: ConnectionOptions,
  keyspace: Keyspace,
): SendQueue {
  return new Queue<SendJob, unknown, string>(sendQueueName(channel), {
    connection,
    prefix: keyspace.prefix,
    defaultJobOptions: SEND_JOB_OPTIONS,
  });
}

/**
 * Status events (verified provider callbacks) carry no secret, so unlike send jobs they may be retried by BullMQ
 * itself; they are still removed once handled (the workers keep what matters in the delivery ledger).
 */
export const STATUS_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: true,
};

/** Verified callbacks (StatusEvent) and the worker's own receipt deadlines (ReceiptDeadline). */
export type StatusQueue = Queue<StatusEvent | ReceiptDeadline, unknown, string>;

export function createStatusQueue(connection: ConnectionOptions, keyspace: Keyspace): StatusQueue {
  return new Queue<StatusEvent | ReceiptDeadline, unknown, string>(QUEUES.status, {
    connection,
    prefix: keyspace.prefix,
    defaultJobOptions: STATUS_JOB_OPTIONS,
  });
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
