/**
 * The steady stream of Okta hooks a drill drives: a fixed rate, SMS and voice mixed, each hook with its own phone
 * number and code, sent as Okta sends it (its auth header, given up after 3 s). Open loop: a slow answer does not
 * slow the stream down, as Okta's sign-ins do not wait for each other.
 */
import { REQUEST_TYPE_LABEL } from '@byot/contracts';
import { oktaHookRequest, randomOtp, type SystemEndpoints, sendHook, spreadPhone } from '@byot/testkit';
import type { Person } from './fraud.ts';
import { OKTA_WINDOW_MS } from './metrics.ts';
import type { Channel, HookRecord, Phase } from './types.ts';

export interface LoadOptions {
  /** Hooks per second. */
  rate: number;
  /** Every n-th hook asks for a voice call (5: 80 % SMS, 20 % voice). */
  voiceEvery: number;
  /** otpExpires − eventTime. */
  expiresInMs: number;
  phones: { next(): string };
  /** Who sends the i-th hook (number, user, request type); default: the phone book's next number, a sign-in. */
  people?: (index: number) => Person;
  /**
   * Customer orgs to send as (issue 13): the i-th hook goes to targets[i mod n], on its path with its secret and
   * a `source` in its org. Default: the system's own (single-org) hook.
   */
  targets?: readonly LoadTarget[];
}

/** One tenant as its Okta org reaches the system. */
export interface LoadTarget {
  id: string;
  endpoints: SystemEndpoints;
  source: string;
}

/**
 * Valid US numbers (libphonenumber accepts them), unique within a run so that every provider record belongs to
 * exactly one hook, and spread over 1 000-blocks as real people's are (sequential numbers are what the fraud
 * controls' per-prefix limit refuses). Clear of the simulator's magic numbers (+1500555…).
 */
export class PhoneBook {
  #next: number;

  constructor(start = Math.floor(Math.random() * 500_000)) {
    this.#next = start;
  }

  next(): string {
    return spreadPhone('US', this.#next++ % 1_000_000);
  }
}

export class LoadGenerator {
  readonly hooks: HookRecord[] = [];
  phase: Phase = 'baseline';
  readonly #system: SystemEndpoints;
  readonly #options: LoadOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(system: SystemEndpoints, options: LoadOptions) {
    this.#system = system;
    this.#options = options;
  }

  start(): void {
    const interval = 1_000 / this.#options.rate;
    const t0 = performance.now();
    let sent = 0;
    const tick = (): void => {
      if (this.#stopped) return;
      // Catch up on every hook due by now (a busy event loop must not lower the rate), then sleep to the next.
      const due = Math.floor((performance.now() - t0) / interval) + 1;
      while (sent < due) {
        this.#fire(sent);
        sent++;
      }
      this.#timer = setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    tick();
  }

  /**
   * A burst (a password-reset campaign, a sign-in wave): `count` hooks as fast as the system answers, at most
   * `concurrency` in flight (Okta's own calls are bounded by its connection pool the same way).
   */
  async burst(count: number, concurrency: number): Promise<void> {
    for (let i = 0; i < count && !this.#stopped; i++) {
      while (this.#inFlight.size >= concurrency) await Promise.race([...this.#inFlight]);
      this.#fire(i);
    }
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops sending and waits for every hook in flight to be answered or given up (at most Okta's 3 s). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inFlight]);
  }

  #fire(index: number): void {
    const channel: Channel =
      index % this.#options.voiceEvery === this.#options.voiceEvery - 1 ? 'voice' : 'sms';
    const now = Date.now();
    const otp = randomOtp();
    const person = this.#options.people?.(index);
    const targets = this.#options.targets ?? [];
    const target = targets.length > 0 ? targets[index % targets.length] : undefined;
    const body = oktaHookRequest({
      ...(target ? { source: target.source } : {}),
      phoneNumber: person?.phoneNumber ?? this.#options.phones.next(),
      deliveryChannel: channel === 'voice' ? 'voice call' : 'SMS',
      otpCode: otp,
      expiresInMs: this.#options.expiresInMs,
      now,
      ...(person ? { userId: person.userId, requestType: person.requestType } : {}),
    });
    const hook: HookRecord = {
      eventId: body.eventId,
      ...(target ? { tenant: target.id } : {}),
      channel,
      phone: body.data.messageProfile.phoneNumber,
      otp,
      phase: this.phase,
      sentAt: now,
      expiresAt: now + this.#options.expiresInMs,
      ...(person ? { requestType: REQUEST_TYPE_LABEL[person.requestType], country: person.country } : {}),
    };
    this.hooks.push(hook);
    const started = performance.now();
    const done = sendHook(target?.endpoints ?? this.#system, body, { timeoutMs: OKTA_WINDOW_MS })
      .then((answer) => {
        hook.httpStatus = answer.status;
        hook.latencyMs = answer.ms;
        if (answer.action?.status !== undefined) hook.answer = answer.action.status;
        if (answer.action?.provider !== undefined) hook.provider = answer.action.provider;
        if (answer.action?.transactionMetadata !== undefined)
          hook.metadata = answer.action.transactionMetadata;
      })
      .catch((error: unknown) => {
        const name = error instanceof Error ? error.name : '';
        hook.error = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection';
      })
      .finally(() => {
        hook.doneAt = hook.sentAt + (performance.now() - started);
        this.#inFlight.delete(done);
      });
    this.#inFlight.add(done);
  }
}
