import type { DeliveryOutcome } from '@byot/contracts';
import type { Keyspace } from '@byot/redis';
import type { Redis } from 'ioredis';

type Resolve = (outcome: DeliveryOutcome) => void;

export interface OutcomeWait {
  /** Resolves with the outcome, or undefined when `deadline` (epoch ms) passes first. */
  until(deadline: number): Promise<DeliveryOutcome | undefined>;
  /** Delivers an outcome learned another way (e.g. read from the record). */
  resolve(outcome: DeliveryOutcome): void;
  cancel(): void;
}

/**
 * How the ingress learns outcomes: ONE subscriber connection per process, subscribed to the outcomes channel, and
 * an in-memory table of waiting requests by eventId. A waiting hook costs a map entry and a timer, not a Redis
 * connection. Register before enqueueing so an outcome published before the wait begins is not missed; outcomes
 * settled before registration are read from the record by the caller.
 */
export class OutcomeListener {
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #waiting = new Map<string, Set<Resolve>>();
  #onMalformed: (error: unknown) => void = () => {};

  constructor(subscriber: Redis, keyspace: Keyspace) {
    this.#subscriber = subscriber;
    this.#channel = keyspace.outcomesChannel;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#dispatch(message);
    });
  }

  onMalformed(handler: (error: unknown) => void): void {
    this.#onMalformed = handler;
  }

  async start(): Promise<void> {
    await this.#subscriber.subscribe(this.#channel);
  }

  get waitingCount(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }

  #dispatch(message: string): void {
    let outcome: DeliveryOutcome;
    try {
      outcome = JSON.parse(message) as DeliveryOutcome;
    } catch (error) {
      this.#onMalformed(error);
      return;
    }
    const waiters = this.#waiting.get(outcome.eventId);
    if (!waiters) return;
    this.#waiting.delete(outcome.eventId);
    for (const resolve of waiters) resolve(outcome);
  }

  register(eventId: string): OutcomeWait {
    let settle!: (value: DeliveryOutcome | undefined) => void;
    const promise = new Promise<DeliveryOutcome | undefined>((resolve) => {
      settle = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const remove = () => {
      const set = this.#waiting.get(eventId);
      set?.delete(onOutcome);
      if (set?.size === 0) this.#waiting.delete(eventId);
      if (timer) clearTimeout(timer);
    };
    const onOutcome: Resolve = (outcome) => {
      remove();
      settle(outcome);
    };
    let set = this.#waiting.get(eventId);
    if (!set) {
      set = new Set();
      this.#waiting.set(eventId, set);
    }
    set.add(onOutcome);
    return {
      until: (deadline) => {
        const ms = deadline - Date.now();
        if (ms <= 0) {
          remove();
          settle(undefined);
        } else if (!timer) {
          timer = setTimeout(() => {
            remove();
            settle(undefined);
          }, ms);
        }
        return promise;
      },
      resolve: onOutcome,
      cancel: () => {
        remove();
        settle(undefined);
      },
    };
  }
}
