import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { observeProcess } from './process-metrics.ts';

/** Okta answer labels of byot_hook_answers_total (the README's Observability section; docs/adr/0008-telemetry.md). */
export type HookAnswerLabel = 'successful' | 'pending' | 'failed' | 'okta_fallback' | 'rejected';

/** Queue states reported by byot_queue_jobs: waiting + active is the autoscaling backlog. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** Anything with BullMQ's getJobCounts (a Queue). */
export interface CountableQueue {
  name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/** A breaker as CircuitBreakers.snapshot reports it. */
export interface BreakerReading {
  provider: string;
  channel: string;
  state: string;
  /** The provider account's credential set (a 12-hex digest, never a secret); absent for the default tenant's. */
  credentialSet?: string;
}

/** The shapes of @byot/delivery's DeliveryEvents, restated so this package depends on no byot package above it. */
export interface DeliveryObserver {
  attempt(event: {
    provider: string;
    channel: string;
    outcome: string;
    durationMs: number;
    failover: boolean;
    tenant?: string;
  }): void;
  breaker(transition: { provider: string; channel: string; to: string; credentialSet?: string }): void;
  receipt(event: {
    provider: string;
    channel: string;
    status: string;
    applied: boolean;
    tenant?: string;
  }): void;
  delivered(event: { provider: string; channel: string; latencyMs: number; tenant?: string }): void;
  receiptFailover(event: { channel: string; fromProvider: string; cause: string; tenant?: string }): void;
  expiredUndelivered(event: { channel: string; tenant?: string }): void;
}

/** A breaker's series labels: provider and channel, and the account when it is not the default tenant's. */
function breakerAttributes(b: { provider: string; channel: string; credentialSet?: string }): Attributes {
  return {
    provider: b.provider,
    channel: b.channel,
    ...(b.credentialSet === undefined ? {} : { account: b.credentialSet }),
  };
}

const breakerKey = (b: { provider: string; channel: string; credentialSet?: string }): string =>
  `${b.provider}/${b.channel}/${b.credentialSet ?? ''}`;

const BREAKER_VALUE: Record<string, number> = { closed: 0, 'half-open': 1, open: 2 };
/** Outcomes of an attempt after which the attempt loop moves on to the next provider. */
const MOVES_ON = new Set(['unavailable', 'rate-limited', 'skipped-open']);

/** Up to Okta's 3 s: the budget (2 s by default) must sit well inside the buckets. */
const HOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3];
/** A provider API call: tens of milliseconds to the client timeout. */
const PROVIDER_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Hook to handset: seconds for SMS, up to minutes for retries and voice calls. */
const DELIVERY_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800];

export interface MetricsOptions {
  service: string;
  /** Process metrics (memory, CPU, event-loop delay); default true. */
  processMetrics?: boolean;
}

/**
 * byot's metrics (listed in the README's Observability section; why, in docs/adr/0008-telemetry.md): OpenTelemetry
 * instruments read by a Prometheus exporter that never listens itself; each service serves `render()` on its own
 * admin or health port at GET /metrics.
 * Label values are bounded by construction: providers, channels, outcome kinds, states. Never an id or number.
 */
export class ByotMetrics {
  readonly #provider: MeterProvider;
  readonly #exporter: PrometheusExporter;
  readonly #serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  readonly #meter: Meter;
  readonly #hookAnswers;
  readonly #hookDuration;
  readonly #sends;
  readonly #sendDuration;
  readonly #failovers;
  readonly #receipts;
  readonly #deliveryLatency;
  readonly #expired;
  readonly #blocked;
  readonly #holds;
  readonly #breakerStates = new Map<string, { attributes: Attributes; value: number }>();
  #breakerSource: (() => Promise<BreakerReading[]>) | undefined;
  readonly #queueCounts = new Map<string, Record<string, number>>();
  readonly #stops: (() => void)[] = [];
  /** Per job run: the provider the attempt loop just left and why, to label the failover it leads to. */
  readonly #moving = new AsyncLocalStorage<{ from?: { provider: string; cause: string } }>();
  /** Set by labelByTenant: the delivery series carry the tenant (with a tenants file only). */
  #byTenant = false;

  constructor(options: MetricsOptions) {
    this.#exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    this.#provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? options.service }),
      readers: [this.#exporter],
    });
    const meter = this.#provider.getMeter('byot');
    this.#meter = meter;
    this.#hookAnswers = meter.createCounter('byot_hook_answers_total', {
      description: "Answers to Okta's telephony hook by answer and Okta request type",
    });
    this.#hookDuration = meter.createHistogram('byot_hook_answer_duration_seconds', {
      description: 'Time from receiving the hook to answering it',
      unit: 's',
      advice: { explicitBucketBoundaries: HOOK_BUCKETS },
    });
    this.#sends = meter.createCounter('byot_provider_sends_total', {
      description: 'Provider send attempts by provider, channel and outcome',
    });
    this.#sendDuration = meter.createHistogram('byot_provider_send_duration_seconds', {
      description: 'Duration of one provider API call',
      unit: 's',
      advice: { explicitBucketBoundaries: PROVIDER_BUCKETS },
    });
    this.#failovers = meter.createCounter('byot_failovers_total', {
      description: 'Sends moved to another provider, by the cause that moved them',
    });
    this.#receipts = meter.createCounter('byot_receipts_total', {
      description: 'Provider delivery receipts applied to a delivery, by normalised status',
    });
    this.#deliveryLatency = meter.createHistogram('byot_delivery_latency_seconds', {
      description: "From Okta's hook to the provider's delivered (or answered) report",
      unit: 's',
      advice: { explicitBucketBoundaries: DELIVERY_BUCKETS },
    });
    this.#expired = meter.createCounter('byot_otp_expired_undelivered_total', {
      description: 'Codes whose time ran out before any route delivered them',
    });
    this.#blocked = meter.createCounter('byot_blocked_total', {
      description:
        'Codes the fraud controls refused (Okta heard FAILED; nothing was sent), by rule and tenant',
    });
    this.#holds = meter.createCounter('byot_fraud_holds_total', {
      description:
        'Anomaly holds started (a destination prefix or country refused for a hold period), by scope and tenant',
    });
    meter
      .createObservableGauge('byot_breaker_state', {
        description:
          'Circuit breaker per provider, channel and account (credential set; absent for the default tenant): 0 closed, 1 half-open, 2 open',
      })
      .addCallback((result) => this.#observeBreakers(result));
    meter
      .createObservableGauge('byot_queue_jobs', {
        description: 'Jobs per queue and state (waiting + active is the backlog that scales the workers)',
      })
      .addCallback((result) => {
        for (const [queue, counts] of this.#queueCounts) {
          for (const state of QUEUE_STATES) result.observe(counts[state] ?? 0, { queue, state });
        }
      });
    if (options.processMetrics !== false) this.#stops.push(observeProcess(meter));
  }

  /**
   * One answer to Okta. `requestType` is the short request-type label ("mfa", …) or "unknown". `tenant` (a
   * tenants file's id, bounded by the file: unknown tenants are answered before anything is counted) is left out
   * for the single-org setup, whose series stay as they were.
   */
  hookAnswered(answer: HookAnswerLabel, requestType: string, seconds: number, tenant?: string): void {
    const attributes = { answer, request_type: requestType, ...(tenant === undefined ? {} : { tenant }) };
    this.#hookAnswers.add(1, attributes);
    this.#hookDuration.record(seconds, attributes);
  }

  /**
   * With a tenants file, the workers' delivery series (sends, failovers, receipts, delivery latency, expiries) carry
   * `tenant`: an id from the file, bounded by it. Without one they stay as they were (single-org dashboards).
   */
  labelByTenant(): void {
    this.#byTenant = true;
  }

  #tenant(tenant: string | undefined): Attributes {
    return this.#byTenant && tenant !== undefined ? { tenant } : {};
  }

  /** A code the fraud controls refused. `rule` is one of a fixed set (country, per-number, hold-prefix, …). */
  blocked(rule: string, tenant: string): void {
    this.#blocked.add(1, { rule, tenant });
  }

  /** An anomaly hold started (the alert's count). */
  holdStarted(scope: string, tenant: string): void {
    this.#holds.add(1, { scope, tenant });
  }

  /**
   * Runs one processing of a send job so that failovers can be labelled with the provider they left; the
   * channel worker wraps its processor with it.
   */
  trackJob<T>(fn: () => Promise<T>): Promise<T> {
    return this.#moving.run({}, fn);
  }

  /** DeliveryEvents feeding the provider, failover, breaker, receipt and expiry series. */
  readonly deliveryEvents: DeliveryObserver = {
    attempt: (event) => {
      const attributes = {
        provider: event.provider,
        channel: event.channel,
        outcome: event.outcome,
        ...this.#tenant(event.tenant),
      };
      this.#sends.add(1, attributes);
      if (event.outcome !== 'skipped-open') this.#sendDuration.record(event.durationMs / 1000, attributes);
      const scope = this.#moving.getStore();
      if (!scope) return;
      if (scope.from && scope.from.provider !== event.provider) {
        this.#failovers.add(1, {
          channel: event.channel,
          from_provider: scope.from.provider,
          cause: scope.from.cause,
          ...this.#tenant(event.tenant),
        });
        scope.from = undefined;
      }
      if (MOVES_ON.has(event.outcome)) scope.from = { provider: event.provider, cause: event.outcome };
    },
    breaker: (transition) => {
      this.#breakerStates.set(breakerKey(transition), {
        attributes: breakerAttributes(transition),
        value: BREAKER_VALUE[transition.to] ?? 0,
      });
    },
    receipt: (event) => {
      if (event.applied) {
        this.#receipts.add(1, {
          provider: event.provider,
          channel: event.channel,
          status: event.status,
          ...this.#tenant(event.tenant),
        });
      }
    },
    delivered: (event) => {
      this.#deliveryLatency.record(Math.max(0, event.latencyMs) / 1000, {
        provider: event.provider,
        channel: event.channel,
        ...this.#tenant(event.tenant),
      });
    },
    receiptFailover: (event) => {
      this.#failovers.add(1, {
        channel: event.channel,
        from_provider: event.fromProvider,
        cause: event.cause,
        ...this.#tenant(event.tenant),
      });
    },
    expiredUndelivered: (event) => {
      this.#expired.add(1, { channel: event.channel, ...this.#tenant(event.tenant) });
    },
  };

  /**
   * Breaker state as every replica shares it in Redis, read at each scrape (a replica otherwise only knows the
   * transitions it made itself). Transitions seen here fill in when the read fails.
   */
  observeBreakers(source: () => Promise<BreakerReading[]>): void {
    this.#breakerSource = source;
  }

  /**
   * Polls BullMQ's job counts every `intervalMs` (not at scrape time: a scrape must not wait on Redis) for
   * byot_queue_jobs. A failed read drops the queue's series rather than serving a stale backlog.
   */
  observeQueues(
    queues: CountableQueue[],
    intervalMs: number,
    onError?: (queue: string, error: unknown) => void,
  ) {
    let running = false;
    const poll = async () => {
      if (running) return;
      running = true;
      await Promise.all(
        queues.map(async (queue) => {
          try {
            this.#queueCounts.set(queue.name, await queue.getJobCounts(...QUEUE_STATES));
          } catch (error) {
            this.#queueCounts.delete(queue.name);
            onError?.(queue.name, error);
          }
        }),
      );
      running = false;
    };
    void poll();
    const timer = setInterval(() => void poll(), intervalMs);
    timer.unref();
    const stop = () => clearInterval(timer);
    this.#stops.push(stop);
    return stop;
  }

  /** The Prometheus text exposition of every series. */
  async render(): Promise<string> {
    const { resourceMetrics, errors } = await this.#exporter.collect();
    const text = this.#serializer.serialize(resourceMetrics);
    return errors.length ? `${text}# ${errors.length} collection error(s)\n` : text;
  }

  /** GET /metrics for @byot/runtime's startHealthServer `routes`. */
  readonly routes = {
    '/metrics': async () => ({
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      body: await this.render(),
    }),
  };

  /** The meter, for a service's own extra instruments. */
  get meter(): Meter {
    return this.#meter;
  }

  async shutdown(): Promise<void> {
    for (const stop of this.#stops.splice(0)) stop();
    await this.#provider.shutdown().catch(() => {});
  }

  async #observeBreakers(result: ObservableResult): Promise<void> {
    if (this.#breakerSource) {
      try {
        for (const b of await this.#breakerSource()) {
          this.#breakerStates.set(breakerKey(b), {
            attributes: breakerAttributes(b),
            value: BREAKER_VALUE[b.state] ?? 0,
          });
        }
      } catch {
        // Redis unreachable for a moment: serve the transitions this replica saw.
      }
    }
    for (const { attributes, value } of this.#breakerStates.values()) result.observe(value, attributes);
  }
}
