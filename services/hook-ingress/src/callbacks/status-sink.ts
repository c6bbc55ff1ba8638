import { type StatusEvent, statusJobIdFor } from '@byot/contracts';
import { enqueueBulk, type StatusQueue } from '@byot/redis';
import { type StatusSink, StatusSinkUnavailable } from './common.ts';

export interface QueueStatusSinkOptions {
  /** False while the producer connection is down: then we refuse at once (503) instead of waiting. */
  connected: () => boolean;
  timeoutMs: number;
}

/**
 * Adds status events to the status queue, one job each, with a job id that collapses exact duplicates
 * (Twilio and Vonage both resend) while the job lives. Events of one callback go in one addBulk.
 */
export class QueueStatusSink implements StatusSink {
  readonly #queue: StatusQueue;
  readonly #options: QueueStatusSinkOptions;

  constructor(queue: StatusQueue, options: QueueStatusSinkOptions) {
    this.#queue = queue;
    this.#options = options;
  }

  async enqueue(events: readonly StatusEvent[]): Promise<void> {
    if (!this.#options.connected()) throw new StatusSinkUnavailable('redis not connected');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        enqueueBulk(
          this.#queue,
          'receipt',
          events.map((payload) => ({ payload, options: { jobId: statusJobIdFor(payload) } })),
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new StatusSinkUnavailable(`enqueue timed out after ${this.#options.timeoutMs} ms`)),
            this.#options.timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof StatusSinkUnavailable) throw error;
      throw new StatusSinkUnavailable(error instanceof Error ? error.message : 'enqueue failed', {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
