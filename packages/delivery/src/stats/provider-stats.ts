import type { Keyspace } from '@byot/redis';
import type { Redis } from 'ioredis';
import { latencyBucket, quantileMs } from './latency-histogram.ts';

/**
 * Provider health as the workers measure it, for the support console: per minute and per route (tenant, channel,
 * provider, credential set) — attempts by outcome, the accept-latency histogram, applied receipts by status.
 *
 * Workers write, the console reads; nothing here is on Okta's clock. The recorder sits on the delivery path (a
 * DeliveryEvents observer), so it only counts in memory and flushes every few seconds in one pipeline of HINCRBYs:
 * one round trip per flush, whatever the traffic. Every value is a bounded label or a count: never an id or a number.
 */

/** The tenant and credential set of everything sent before tenancy (issue 13) names them. */
export const DEFAULT_TENANT = 'default';
export const DEFAULT_CREDENTIAL_SET = 'default';

/** One provider route as the console shows it: a provider, for a channel, with one set of credentials, for a tenant. */
export interface StatsRoute {
  tenant: string;
  channel: string;
  provider: string;
  credentialSet: string;
}

/** An attempt as DeliveryEvents reports it; tenant and credential set default until tenancy supplies them. */
export interface AttemptObservation {
  provider: string;
  channel: string;
  outcome: string;
  durationMs: number;
  tenant?: string;
  credentialSet?: string;
}

export interface ReceiptObservation {
  provider: string;
  channel: string;
  status: string;
  applied: boolean;
  tenant?: string;
  credentialSet?: string;
}

/** Attempt outcomes that are not the provider's failure to take the message. */
const NOT_SENT = 'skipped-open';

const SEP = '|';
const LABEL = /^[A-Za-z0-9._-]{1,64}$/;

export function routeKey(route: StatsRoute): string {
  return [route.tenant, route.channel, route.provider, route.credentialSet].join(SEP);
}

export function parseRouteKey(key: string): StatsRoute | undefined {
  const [tenant, channel, provider, credentialSet, ...rest] = key.split(SEP);
  if (rest.length > 0 || !tenant || !channel || !provider || !credentialSet) return undefined;
  return { tenant, channel, provider, credentialSet };
}

function routeOf(o: {
  tenant?: string;
  channel: string;
  provider: string;
  credentialSet?: string;
}): StatsRoute {
  return {
    tenant: o.tenant ?? DEFAULT_TENANT,
    channel: o.channel,
    provider: o.provider,
    credentialSet: o.credentialSet ?? DEFAULT_CREDENTIAL_SET,
  };
}

/** Labels become parts of a Redis field name: anything unexpected is dropped rather than written. */
function isLabelled(route: StatsRoute): boolean {
  return [route.tenant, route.channel, route.provider, route.credentialSet].every((v) => LABEL.test(v));
}

export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

export interface RecorderOptions {
  /** How often counts go to Redis. Default 5 s. */
  flushIntervalMs?: number;
  /** How long a minute's figures are kept. Default 2 h (the console charts the last hour). */
  retentionMs?: number;
  now?: () => number;
  /**
   * A flush failed (its counts are dropped: these are figures, not the ledger). Called for the first failure after
   * a success only, so an outage is one log line, not one every flush.
   */
  onError?: (error: unknown) => void;
}

type Keys = Pick<Keyspace, 'providerStats' | 'providerRoutes'>;

export class ProviderStatsRecorder {
  readonly #redis: Redis;
  readonly #keys: Keys;
  readonly #flushIntervalMs: number;
  readonly #retentionMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  /** minute → field → increment, since the last flush. */
  #pending = new Map<number, Map<string, number>>();
  /** Routes to announce on the next flush (registered ones are announced on every flush). */
  readonly #registered = new Set<string>();
  #seen = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #failing = false;

  constructor(redis: Redis, keys: Keys, options: RecorderOptions = {}) {
    this.#redis = redis;
    this.#keys = keys;
    this.#flushIntervalMs = options.flushIntervalMs ?? 5_000;
    this.#retentionMs = options.retentionMs ?? 2 * 3_600_000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
  }

  /** The routes this process serves: shown by the console even before their first send (a backup, say). */
  registerRoutes(routes: StatsRoute[]): void {
    for (const route of routes) if (isLabelled(route)) this.#registered.add(routeKey(route));
  }

  /** DeliveryEvents handlers (cheap, never throw). */
  readonly events = {
    attempt: (event: AttemptObservation): void => {
      const route = routeOf(event);
      if (!isLabelled(route) || !LABEL.test(event.outcome)) return;
      const key = routeKey(route);
      this.#add(key, `a:${event.outcome}`);
      if (event.outcome === 'accepted') this.#add(key, `l:${latencyBucket(event.durationMs)}`);
    },
    receipt: (event: ReceiptObservation): void => {
      if (!event.applied) return;
      const route = routeOf(event);
      if (!isLabelled(route) || !LABEL.test(event.status)) return;
      this.#add(routeKey(route), `r:${event.status}`);
    },
  };

  #add(route: string, metric: string): void {
    const minute = minuteOf(this.#now());
    let fields = this.#pending.get(minute);
    if (!fields) {
      fields = new Map();
      this.#pending.set(minute, fields);
    }
    const field = `${route}${SEP}${metric}`;
    fields.set(field, (fields.get(field) ?? 0) + 1);
    this.#seen.add(route);
  }

  /** Writes what was counted since the last flush (one pipeline). Never rejects: failures go to onError. */
  flush(): Promise<void> {
    // One flush at a time (a worker connection waits out a Redis restart), and at most one waiting behind it,
    // which takes everything counted meanwhile.
    if (this.#flushing) {
      this.#queued ??= this.#flushing.then(() => {
        this.#queued = undefined;
        return this.flush();
      });
      return this.#queued;
    }
    this.#flushing = this.#write().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #write(): Promise<void> {
    const pending = this.#pending;
    const seen = this.#seen;
    this.#pending = new Map();
    this.#seen = new Set();
    const now = this.#now();
    const pipeline = this.#redis.pipeline();
    for (const [minute, fields] of pending) {
      const key = this.#keys.providerStats(minute);
      for (const [field, n] of fields) pipeline.hincrby(key, field, n);
      // From the end of the minute, so a minute written late still lives out the full retention.
      pipeline.pexpireat(key, (minute + 1) * 60_000 + this.#retentionMs);
    }
    const announced = new Set([...this.#registered, ...seen]);
    if (announced.size > 0) {
      pipeline.hset(this.#keys.providerRoutes, Object.fromEntries([...announced].map((r) => [r, now])));
    }
    if (pipeline.length === 0) return;
    let error: unknown;
    try {
      const results = (await pipeline.exec()) ?? [];
      error = results.find(([failure]) => failure)?.[0] ?? undefined;
    } catch (failure) {
      error = failure;
    }
    if (error !== undefined && !this.#failing) this.#onError(error);
    this.#failing = error !== undefined;
  }

  /** Starts the periodic flush; returns a stop that flushes what is left. */
  start(): () => Promise<void> {
    this.#timer ??= setInterval(() => void this.flush(), this.#flushIntervalMs);
    this.#timer.unref();
    void this.flush(); // announces the registered routes at once
    return () => this.stop();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}

/** What the console shows of one route. */
export interface RouteHealth {
  route: StatsRoute;
  /** When a worker last announced or used this route. */
  lastSeenAt: number;
  /** Figures over the window (default the last 15 minutes, this minute included). */
  window: {
    minutes: number;
    /** Attempts that reached the provider (not those skipped for an open breaker). */
    sends: number;
    accepted: number;
    /** sends − accepted: refused, failed or timed out, by kind in `byOutcome`. */
    failures: number;
    /** Attempts by outcome (accepted, unavailable, rate-limited, destination-permanent, bad-request, skipped-open). */
    byOutcome: Record<string, number>;
    /** Accept latency of one provider call, from the histogram. */
    p50Ms: number | undefined;
    p99Ms: number | undefined;
    /** Applied delivery receipts by normalised status (delivered, undelivered, failed, …). */
    receipts: Record<string, number>;
  };
  /** One point per minute, oldest first, over the chart span (default 60 minutes). */
  perMinute: { minute: number; accepted: number; failed: number; p99Ms: number | undefined }[];
}

export interface ReadOptions {
  now?: number;
  windowMinutes?: number;
  chartMinutes?: number;
  /** Routes no worker announced for this long are left out. Default 24 h. */
  seenWithinMs?: number;
  /** Only these tenants' routes (a tenant viewer); undefined: all. */
  tenants?: readonly string[];
}

interface Tally {
  outcomes: Map<string, number>;
  latency: Map<number, number>;
  receipts: Map<string, number>;
}

const emptyTally = (): Tally => ({ outcomes: new Map(), latency: new Map(), receipts: new Map() });

function addTo<K>(map: Map<K, number>, key: K, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function mergeInto(target: Tally, source: Tally): void {
  for (const [k, n] of source.outcomes) addTo(target.outcomes, k, n);
  for (const [k, n] of source.latency) addTo(target.latency, k, n);
  for (const [k, n] of source.receipts) addTo(target.receipts, k, n);
}

function sendsOf(t: Tally): { sends: number; accepted: number } {
  let sends = 0;
  for (const [outcome, n] of t.outcomes) if (outcome !== NOT_SENT) sends += n;
  return { sends, accepted: t.outcomes.get('accepted') ?? 0 };
}

export class ProviderStatsReader {
  readonly #redis: Redis;
  readonly #keys: Keys;

  constructor(redis: Redis, keys: Keys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async read(options: ReadOptions = {}): Promise<RouteHealth[]> {
    const now = options.now ?? Date.now();
    const windowMinutes = options.windowMinutes ?? 15;
    const chartMinutes = Math.max(options.chartMinutes ?? 60, windowMinutes);
    const seenWithinMs = options.seenWithinMs ?? 24 * 3_600_000;
    const current = minuteOf(now);
    const minutes = Array.from({ length: chartMinutes }, (_, i) => current - chartMinutes + 1 + i);

    const pipeline = this.#redis.pipeline();
    pipeline.hgetall(this.#keys.providerRoutes);
    for (const minute of minutes) pipeline.hgetall(this.#keys.providerStats(minute));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
    const [routesResult, ...minuteResults] = results.map(
      ([, value]) => (value ?? {}) as Record<string, string>,
    );

    const allowed = (route: StatsRoute) => !options.tenants || options.tenants.includes(route.tenant);
    const health = new Map<string, { route: StatsRoute; lastSeenAt: number; byMinute: Map<number, Tally> }>();
    for (const [key, seenAt] of Object.entries(routesResult ?? {})) {
      const route = parseRouteKey(key);
      if (!route || !allowed(route) || now - Number(seenAt) > seenWithinMs) continue;
      health.set(key, { route, lastSeenAt: Number(seenAt), byMinute: new Map() });
    }
    minuteResults.forEach((hash, i) => {
      const minute = minutes[i] as number;
      for (const [field, value] of Object.entries(hash)) {
        const cut = field.lastIndexOf(SEP);
        const key = field.slice(0, cut);
        const [kind, label] = field.slice(cut + 1).split(':', 2) as [string, string];
        let entry = health.get(key);
        if (!entry) {
          const route = parseRouteKey(key);
          if (!route || !allowed(route)) continue;
          entry = { route, lastSeenAt: (minute + 1) * 60_000, byMinute: new Map() };
          health.set(key, entry);
        }
        let tally = entry.byMinute.get(minute);
        if (!tally) {
          tally = emptyTally();
          entry.byMinute.set(minute, tally);
        }
        const n = Number(value);
        if (kind === 'a') addTo(tally.outcomes, label, n);
        else if (kind === 'l') addTo(tally.latency, Number(label), n);
        else if (kind === 'r') addTo(tally.receipts, label, n);
      }
    });

    const windowStart = current - windowMinutes + 1;
    return [...health.values()]
      .map(({ route, lastSeenAt, byMinute }) => {
        const window = emptyTally();
        for (const [minute, tally] of byMinute) if (minute >= windowStart) mergeInto(window, tally);
        const { sends, accepted } = sendsOf(window);
        return {
          route,
          lastSeenAt,
          window: {
            minutes: windowMinutes,
            sends,
            accepted,
            failures: sends - accepted,
            byOutcome: Object.fromEntries(window.outcomes),
            p50Ms: quantileMs(window.latency, 0.5),
            p99Ms: quantileMs(window.latency, 0.99),
            receipts: Object.fromEntries(window.receipts),
          },
          perMinute: minutes.map((minute) => {
            const tally = byMinute.get(minute) ?? emptyTally();
            const counts = sendsOf(tally);
            return {
              minute,
              accepted: counts.accepted,
              failed: counts.sends - counts.accepted,
              p99Ms: quantileMs(tally.latency, 0.99),
            };
          }),
        };
      })
      .sort((a, b) => routeKey(a.route).localeCompare(routeKey(b.route)));
  }
}
