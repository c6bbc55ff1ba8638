/**
 * The steady stream of Okta hooks a drill drives: a fixed rate, SMS and voice mixed, each hook with its own phone
 * number and code, sent as Okta sends it (its auth header, given up after 3 s). Open loop: a slow answer does not
 * slow the stream down, as Okta's sign-ins do not wait for each other.
 */
import { oktaHookRequest, randomOtp, type SystemEndpoints, sendHook } from '@byot/testkit';
import { OKTA_WINDOW_MS } from './metrics.ts';
import type { Channel, HookRecord, Phase } from './types.ts';

export interface LoadOptions {
  /** Hooks per second. */
  rate: number;
  /** Every n-th hook asks for a voice call (5: 80 % SMS, 20 % voice). */
  voiceEvery: number;
  /** otpExpires − eventTime. */
  expiresInMs: number;
  phones: PhoneBook;
}

/**
 * Valid US numbers (libphonenumber accepts them), unique within a run so that every provider record belongs to
 * exactly one hook. Clear of the simulator's magic numbers (+1500555…).
 */
export class PhoneBook {
  #next: number;

  constructor(start = Math.floor(Math.random() * 5_000_000)) {
    this.#next = start;
  }

  next(): string {
    const n = this.#next++ % 7_000_000;
    return `+1415${2_000_000 + n}`;
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
    const body = oktaHookRequest({
      phoneNumber: this.#options.phones.next(),
      deliveryChannel: channel === 'voice' ? 'voice call' : 'SMS',
      otpCode: otp,
      expiresInMs: this.#options.expiresInMs,
      now,
    });
    const hook: HookRecord = {
      eventId: body.eventId,
      channel,
      phone: body.data.messageProfile.phoneNumber,
      otp,
      phase: this.phase,
      sentAt: now,
      expiresAt: now + this.#options.expiresInMs,
    };
    this.hooks.push(hook);
    const started = performance.now();
    const done = sendHook(this.#system, body, { timeoutMs: OKTA_WINDOW_MS })
      .then((answer) => {
        hook.httpStatus = answer.status;
        hook.latencyMs = answer.ms;
        if (answer.action?.status !== undefined) hook.answer = answer.action.status;
        if (answer.action?.provider !== undefined) hook.provider = answer.action.provider;
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
