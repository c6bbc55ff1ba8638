import {
  DEFAULT_TENANT_ID,
  type DeliveryOutcome,
  REQUEST_TYPE_LABEL,
  type SendJob,
  type SendSecrets,
} from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { ProviderError } from '@byot/providers';
import type { Sealer } from '@byot/sealing';
import type { CircuitBreakers } from '../breaker.ts';
import type { DeliveryEvents } from '../events.ts';
import type { RouteExclusions } from '../records/delivery-record.ts';
import type { DeliveryStore } from '../records/delivery-store.ts';
import type { RetrySettings } from '../retry-policy.ts';
import type { AttemptEvent, Escalation, Route, Routing } from './shapes.ts';
import type { UsageRecorder } from './usage.ts';

export interface SendProcessorDeps {
  store: DeliveryStore;
  sealer: Sealer;
  log: Logger;
  retry: RetrySettings;
  /**
   * How long an attempt in progress is trusted to be alive: longer than one provider call, shorter than BullMQ's
   * job lock. Derived from the lock by the queue catalog (sendWorkerSettings); never set it by hand.
   */
  attemptStaleAfterMs: number;
  /** The routes of a deployment with one set of accounts (the single-org setup, tests); see `routing`. */
  routes?: Route[];
  /**
   * Per tenant (issue 13): the routes and escalations of the job's tenant, built from its accounts only. Throws
   * UnknownTenantError for a tenant that is not (or no longer) served: the job then fails, it is never sent with
   * anybody else's accounts. Absent: every job is sent by `routes` and `escalations`.
   */
  routing?: (job: SendJob) => Routing | Promise<Routing>;
  /** Shared breakers: a provider that keeps failing is skipped by every worker for a while. */
  breakers?: CircuitBreakers;
  /** Tried in order once every route failed for good or the code is about to expire. */
  escalations?: Escalation[];
  /** Observes each provider attempt (metrics). */
  onAttempt?: (event: AttemptEvent) => void;
  /** Per-tenant usage counters for billing (@byot/tenancy UsageCounters); absent: nothing is counted. */
  usage?: UsageRecorder;
  /** Observes codes that expire undelivered (metrics). */
  events?: Pick<DeliveryEvents, 'expiredUndelivered'>;
  /**
   * The "no receipt within N seconds" rule: called when a provider accepts, to check back after `afterMs`.
   * Absent: the rule is off.
   */
  receiptDeadline?: {
    afterMs: number;
    schedule(check: { provider: string; providerMessageId: string }, afterMs: number): Promise<void>;
  };
}

/** One admitted run of a send job: what every step after admission works on. */
export interface SendRun {
  job: SendJob;
  /** Whose delivery it is (`default` for the single-org setup and for jobs queued before tenancy). */
  tenant: string;
  secrets: SendSecrets;
  /** This run's number for the delivery (1 for the first), counted by the record. */
  attempt: number;
  /** The channel's routes that receipts have not ruled out, in order. */
  routes: Route[];
  /** The tenant's escalations (e-mail last resort, landline to voice). */
  escalations: Escalation[];
  exclusions: RouteExclusions | undefined;
  /** On every log line of the run: what an on-call engineer filters by (never the number in full). */
  context: Record<string, unknown>;
  /** Whether an attempt starting at `at` would leave the code too little life to be used. */
  tooLate(at?: number): boolean;
}

/** The log fields of a job's run. */
export function runContext(job: SendJob, jobId: string | undefined): Record<string, unknown> {
  return {
    eventId: job.eventId,
    tenant: job.tenant ?? DEFAULT_TENANT_ID,
    requestType: REQUEST_TYPE_LABEL[job.requestType],
    channel: job.channel,
    phoneMasked: job.phoneMasked,
    jobId,
  };
}

/**
 * Settles a delivery that will not be sent (failed, or expired), announcing it to the ingress. True when this
 * call settled it (not a delivery settled already).
 */
export async function settleFailure(
  store: DeliveryStore,
  job: SendJob,
  reason: string,
  state: 'failed' | 'expired',
  provider?: string,
): Promise<boolean> {
  const outcome: DeliveryOutcome = {
    kind: 'failed',
    eventId: job.eventId,
    reason: state === 'expired' ? `expired: ${reason}` : reason,
    ...(provider ? { provider } : {}),
    at: Date.now(),
  };
  return (await store.settle(outcome, state, job.otpExpiresAt)).applied;
}

/** Anything an adapter throws that is not a ProviderError counts as the provider being unavailable. */
export function toProviderError(error: unknown, provider: string): ProviderError {
  return error instanceof ProviderError
    ? error
    : new ProviderError({
        kind: 'unavailable',
        provider,
        code: 'internal',
        safeMessage: `${provider} adapter failed: ${error instanceof Error ? error.name : 'error'}`,
        mayHaveBeenDelivered: true,
      });
}
