import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import type { Channel, ProviderName } from '../providers.ts';
import { PROVIDER_NAMES } from '../providers.ts';
import type { RecordStore } from '../store/record-store.ts';
import type { AcceptedRecord } from '../store/records.ts';
import { type CallbackSettings, DEFAULT_CALLBACK_SETTINGS, outcomesOf } from './callback-config.ts';
import { type LifecycleStep, planLifecycle } from './lifecycle.ts';
import { buildRequests, type CallbackRequest, type WireContext } from './wire.ts';

/** What happened to one callback request. */
export type DeliveryOutcome =
  /** Scheduled, or being sent. */
  | 'pending'
  /** The client answered 2xx. */
  | 'delivered'
  /** The client answered, but not 2xx (not retried: Twilio does not retry those either). */
  | 'http-error'
  /** No answer after every attempt (connection refused, reset, timeout). */
  | 'failed'
  /** Not sent: the URL's host is not in SIM_CALLBACK_HOSTS. */
  | 'skipped'
  /** Dropped by a reset (DELETE /sim/callbacks) or shutdown before it was sent. */
  | 'cancelled';

/** One callback request as GET /sim/callbacks lists it. */
export interface CallbackDelivery {
  id: string;
  provider: ProviderName;
  channel: Channel;
  /** The resource reported on (Twilio SM…/CA…, Vonage message-id or call uuid, SendGrid X-Message-Id). */
  sid: string;
  /** Vonage SMS: the message part (each part of a concatenated SMS gets its own receipt). */
  part?: string;
  /** The status reported (sent, delivered, completed, busy, bounce…). */
  status: string;
  errorCode?: number | string;
  /** The outcome drawn for the resource (delivered, undelivered, none…). */
  resourceOutcome: string;
  /** A second copy of an earlier report (duplicateRate). */
  duplicate: boolean;
  /** Sent before a report that logically precedes it (outOfOrderRate). */
  outOfOrder: boolean;
  url: string;
  method: 'GET' | 'POST';
  scheduledAt: number;
  sentAt: number | null;
  attempts: number;
  outcome: DeliveryOutcome;
  responseStatus: number | null;
  error?: string;
  /** Headers the simulator set (signatures included: they are not secrets). */
  headers?: Record<string, string>;
  /** The parameters or JSON sent. */
  payload?: unknown;
}

export interface CallbackFilter {
  provider?: ProviderName;
  sid?: string;
  status?: string;
  outcome?: DeliveryOutcome;
  limit?: number;
}

/** The settings per provider, changed by PUT /sim/callbacks/:provider (replaces) and DELETE (defaults). */
export class CallbackSettingsStore {
  readonly #settings = new Map<ProviderName, CallbackSettings>();
  readonly #initial: Partial<Record<ProviderName, CallbackSettings>>;

  constructor(initial: Partial<Record<ProviderName, CallbackSettings>> = {}) {
    this.#initial = initial;
    for (const provider of PROVIDER_NAMES) this.reset(provider);
  }

  get(provider: ProviderName): CallbackSettings {
    return structuredClone(this.#settings.get(provider) ?? DEFAULT_CALLBACK_SETTINGS);
  }

  set(provider: ProviderName, settings: CallbackSettings): CallbackSettings {
    this.#settings.set(provider, structuredClone(settings));
    return this.get(provider);
  }

  /** Back to the defaults (not to SIM_CALLBACKS: like faults, DELETE means "behave normally"). */
  reset(provider: ProviderName): void {
    this.#settings.set(provider, structuredClone(this.#initial[provider] ?? DEFAULT_CALLBACK_SETTINGS));
    this.#initial[provider] = undefined;
  }
}

export interface CallbackDispatcherOptions {
  store: RecordStore;
  settings: CallbackSettingsStore;
  logger: Logger;
  /** Accounts and keys the reports are signed with. */
  wire: Omit<WireContext, 'nowMs' | 'idempotencyToken' | 'sendgridEventUrl'>;
  /** SIM_SENDGRID_EVENT_URL (PUT /sim/callbacks/sendgrid {"eventUrl"} overrides it). */
  sendgridEventUrl?: string;
  /**
   * Hosts callbacks may go to (URL host names, lower case; "*" allows any). The simulator only ever calls the
   * URL a client supplied, and by default only on this machine.
   */
  allowedHosts?: readonly string[];
  random?: () => number;
  now?: () => number;
  /** Pauses before the retries of a request that got no answer. Default [250, 1000]: three attempts. */
  retryDelaysMs?: readonly number[];
  /** How long to wait for the client's answer. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** Most log entries kept (oldest dropped). Default 10 000. */
  capacity?: number;
}

export const DEFAULT_CALLBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Plays the life of every accepted message, call and e-mail after its acceptance: picks its outcome from the
 * provider's settings, moves its status in the store, and sends the provider's signed reports to the URL the
 * client gave, with the configured delays, duplicates and reordering. Timers are unref'd and cancelled by
 * clear() and close(), so neither a test nor a shutdown waits on them.
 */
export class CallbackDispatcher {
  readonly #store: RecordStore;
  readonly #settings: CallbackSettingsStore;
  readonly #logger: Logger;
  readonly #wire: CallbackDispatcherOptions['wire'];
  readonly #sendgridEventUrl: string | undefined;
  readonly #allowAny: boolean;
  readonly #allowedHosts: ReadonlySet<string>;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #retryDelays: readonly number[];
  readonly #timeoutMs: number;
  readonly #capacity: number;
  readonly #log = new Map<string, CallbackDelivery>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];
  #generation = new AbortController();
  #closed = false;
  #nextId = 1;

  constructor(options: CallbackDispatcherOptions) {
    this.#store = options.store;
    this.#settings = options.settings;
    this.#logger = options.logger;
    this.#wire = options.wire;
    this.#sendgridEventUrl = options.sendgridEventUrl;
    const hosts = (options.allowedHosts ?? DEFAULT_CALLBACK_HOSTS).map((h) => h.toLowerCase());
    this.#allowAny = hosts.includes('*');
    this.#allowedHosts = new Set(hosts.flatMap((h) => (h === '::1' ? ['[::1]'] : [h])));
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#retryDelays = options.retryDelaysMs ?? [250, 1_000];
    this.#timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#capacity = options.capacity ?? 10_000;
  }

  /** Starts the life of an accepted resource. */
  start(record: AcceptedRecord): void {
    if (this.#closed) return;
    const settings = this.#settings.get(record.provider);
    const mix = settings.mixes[record.channel];
    const outcome = this.#pickOutcome(record, settings);
    const steps = planLifecycle(record, outcome, mix?.errorCode);
    if (steps.length === 0) return;

    let elapsed = 0;
    const times = steps.map(() => {
      elapsed += this.#delay(settings);
      return elapsed;
    });
    steps.forEach((step, i) => {
      this.#schedule(times[i] ?? 0, () => {
        this.#store.updateStatus(record.sid, {
          status: step.status,
          at: this.#now(),
          ...(step.errorCode === undefined ? {} : { errorCode: step.errorCode }),
        });
      });
    });

    const reports = steps
      .map((step, i) => ({ step, at: times[i] ?? 0, outOfOrder: false }))
      .filter((r) => r.step.notify);
    const last = reports.at(-1);
    const before = reports.at(-2);
    if (last && before && this.#chance(settings.outOfOrderRate)) {
      [last.at, before.at] = [before.at, last.at];
      last.outOfOrder = true;
    }
    for (const report of reports) {
      const token = randomUUID();
      const send = { record, step: report.step, outcome, token };
      this.#schedule(report.at, () =>
        this.#send({ ...send, duplicate: false, outOfOrder: report.outOfOrder }),
      );
      if (this.#chance(settings.duplicateRate)) {
        const at = report.at + this.#delay(settings) + 1;
        this.#schedule(at, () => this.#send({ ...send, duplicate: true, outOfOrder: false }));
      }
    }
  }

  list(filter: CallbackFilter = {}): CallbackDelivery[] {
    const matches = [...this.#log.values()].filter(
      (d) =>
        (filter.provider === undefined || d.provider === filter.provider) &&
        (filter.sid === undefined || d.sid === filter.sid) &&
        (filter.status === undefined || d.status === filter.status) &&
        (filter.outcome === undefined || d.outcome === filter.outcome),
    );
    const limited =
      filter.limit !== undefined && matches.length > filter.limit ? matches.slice(-filter.limit) : matches;
    return structuredClone(limited);
  }

  /** Resolves when nothing is scheduled or being sent (tests). */
  idle(): Promise<void> {
    if (this.#timers.size === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Cancels everything scheduled or in flight and forgets the log. Returns how many entries were dropped. */
  clear(): number {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#generation.abort();
    this.#generation = new AbortController();
    const dropped = this.#log.size;
    this.#log.clear();
    this.#checkIdle();
    return dropped;
  }

  /** clear(), for good: later acceptances send nothing. */
  close(): void {
    this.#closed = true;
    this.clear();
  }

  #pickOutcome(record: AcceptedRecord, settings: CallbackSettings): string {
    const outcomes = outcomesOf(record.provider, record.channel);
    const weights = settings.mixes[record.channel]?.weights;
    const fallback = outcomes[0] ?? 'delivered';
    if (!weights) return fallback;
    const total = outcomes.reduce((sum, o) => sum + (weights[o] ?? 0), 0);
    let roll = this.#random() * total;
    for (const outcome of outcomes) {
      const weight = weights[outcome] ?? 0;
      if (weight > 0 && roll < weight) return outcome;
      roll -= weight;
    }
    return [...outcomes].reverse().find((o) => (weights[o] ?? 0) > 0) ?? fallback;
  }

  #delay(settings: CallbackSettings): number {
    const delay = settings.delayMs;
    if (typeof delay === 'number') return delay;
    return delay.min + Math.floor(this.#random() * (delay.max - delay.min + 1));
  }

  #chance(rate: number): boolean {
    return rate >= 1 || (rate > 0 && this.#random() < rate);
  }

  #schedule(ms: number, task: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#inFlight += 1;
      Promise.resolve()
        .then(task)
        .catch((error: unknown) => this.#logger.error('callback task failed', { error: String(error) }))
        .finally(() => {
          this.#inFlight -= 1;
          this.#checkIdle();
        });
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  #checkIdle(): void {
    if (this.#timers.size > 0 || this.#inFlight > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #send(report: {
    record: AcceptedRecord;
    step: LifecycleStep;
    outcome: string;
    token: string;
    duplicate: boolean;
    outOfOrder: boolean;
  }): Promise<void> {
    const { record, step } = report;
    const signal = this.#generation.signal;
    const settings = this.#settings.get(record.provider);
    const requests = await buildRequests(record, step, {
      ...this.#wire,
      sendgridEventUrl: settings.eventUrl ?? this.#sendgridEventUrl,
      nowMs: this.#now(),
      idempotencyToken: report.token,
    });
    await Promise.all(
      requests.map((request) => {
        const entry = this.#addEntry({
          id: String(this.#nextId++),
          provider: record.provider,
          channel: record.channel,
          sid: record.sid,
          ...(request.part === undefined ? {} : { part: request.part }),
          status: step.status,
          ...(step.errorCode === undefined ? {} : { errorCode: step.errorCode }),
          resourceOutcome: report.outcome,
          duplicate: report.duplicate,
          outOfOrder: report.outOfOrder,
          url: request.url,
          method: request.method,
          scheduledAt: this.#now(),
          sentAt: null,
          attempts: 0,
          outcome: 'pending',
          responseStatus: null,
          headers: request.headers,
          payload: request.payload,
        });
        return this.#deliver(entry, request, signal);
      }),
    );
  }

  #addEntry(entry: CallbackDelivery): CallbackDelivery {
    this.#log.set(entry.id, entry);
    while (this.#log.size > this.#capacity) {
      const oldest = this.#log.keys().next().value;
      if (oldest === undefined) break;
      this.#log.delete(oldest);
    }
    return entry;
  }

  async #deliver(entry: CallbackDelivery, request: CallbackRequest, signal: AbortSignal): Promise<void> {
    const host = new URL(request.url).hostname.toLowerCase();
    if (!this.#allowAny && !this.#allowedHosts.has(host)) {
      entry.outcome = 'skipped';
      entry.error = `host ${host} is not in SIM_CALLBACK_HOSTS`;
      return;
    }
    for (let attempt = 0; attempt <= this.#retryDelays.length; attempt += 1) {
      if (signal.aborted) {
        entry.outcome = 'cancelled';
        return;
      }
      entry.attempts = attempt + 1;
      entry.sentAt = this.#now();
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          // Never follow a redirect: the simulator talks to the URL the client gave, and nowhere else.
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
        });
        await response.arrayBuffer().catch(() => undefined);
        entry.responseStatus = response.status;
        delete entry.error;
        entry.outcome = response.status >= 200 && response.status < 300 ? 'delivered' : 'http-error';
        if (entry.outcome === 'http-error') {
          this.#logger.warn('callback answered with an error', {
            provider: entry.provider,
            sid: entry.sid,
            status: entry.status,
            responseStatus: response.status,
            host,
          });
        }
        return;
      } catch (error) {
        if (signal.aborted) {
          entry.outcome = 'cancelled';
          return;
        }
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        entry.error = cause ?? (error instanceof Error ? error.name : String(error));
        const pause = this.#retryDelays[attempt];
        if (pause === undefined) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.#timers.delete(timer);
            resolve();
          }, pause);
          timer.unref();
          this.#timers.add(timer);
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    }
    entry.outcome = signal.aborted ? 'cancelled' : 'failed';
    if (entry.outcome === 'failed') {
      this.#logger.warn('callback not delivered', {
        provider: entry.provider,
        sid: entry.sid,
        status: entry.status,
        attempts: entry.attempts,
        error: entry.error,
        host,
      });
    }
  }
}
