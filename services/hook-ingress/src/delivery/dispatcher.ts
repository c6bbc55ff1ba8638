import {
  type Channel,
  DEFAULT_TENANT_ID,
  type DeliveryOutcome,
  deliveryIdFor,
  SEND_JOB_IDS,
  type SendJob,
  type SendSecrets,
  scopedEventId,
} from '@byot/contracts';
import type { DeliveryStore, OutcomeListener } from '@byot/delivery/records';
import type { Logger } from '@byot/observability';
import { enqueue, type SendQueue } from '@byot/redis';
import type { Sealer } from '@byot/sealing';
import { inSpan, SpanKind, traceCarrier } from '@byot/telemetry';
import type { FairShare, SendPace } from '@byot/tenancy';
import type { AcceptedHook } from '../okta/parse-hook.ts';

export type DispatchResult =
  | { kind: 'settled'; outcome: DeliveryOutcome; deliveryId: string }
  | { kind: 'pending'; deliveryId: string }
  /**
   * We could not take the job: Okta must send it itself, and we must never send it. `queued: false` when nothing
   * reached a worker (the ingress settled it; a worker's fallback outcome is counted by the worker).
   */
  | { kind: 'fallback'; reason: string; deliveryId: string; queued?: false };

export interface DispatcherDeps {
  queues: Record<Channel, SendQueue>;
  store: DeliveryStore;
  outcomes: OutcomeListener;
  sealer: Sealer;
  log: Logger;
  enqueueTimeoutMs: number;
  maxOtpLifetimeMs: number;
  /** False while the producer connection is down: then we answer "fall back" at once, without trying. */
  queueConnected: () => boolean;
  /**
   * Fair share between tenants (a tenants file; ADR 0020): each job joins its tenant's waiting line and is added
   * with its rank there as its priority. Absent (single-org): no priority, no extra Redis call.
   */
  fairShare?: Pick<FairShare, 'admit' | 'leave'>;
  /**
   * A tenant's send pace (ADR 0023; with a tenants file): codes beyond it are added as delayed jobs, in the same
   * script as the waiting line. Absent, or undefined for a tenant: no pace.
   */
  paceFor?: (tenant: string) => Omit<SendPace, 'maxDelayMs'> | undefined;
}

/**
 * A paced code (a tenant beyond its send pace) is answered PENDING after at most this long, not at the end of the
 * budget: its send slot is later anyway, and holding the answer this long — not longer — is what keeps a caller
 * that waits for its answers (Okta's connections) at about the pace rather than at the machine's limit.
 */
export const PACED_ANSWER_AFTER_MS = 1_000;
/** The longest a pace may hold a code back: a minute, and never more than half the code's remaining life. */
export const PACE_MAX_DELAY_MS = 60_000;

/**
 * The hook path's one job: hand the send to a worker and wait, bounded, for what became of it.
 *
 * Order matters: the wait is registered before the job is added, so an outcome announced at once is not missed,
 * and the record is read after the add, so a duplicate of a hook settled long ago gets the same answer at once.
 * Enqueueing is idempotent by eventId (BullMQ job id while the job lives; the delivery record after).
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  async dispatch(
    hook: AcceptedHook,
    deadline: number,
    receivedAt: number,
    tenant: string = DEFAULT_TENANT_ID,
  ): Promise<DispatchResult> {
    const { queues, store, outcomes } = this.#deps;
    // Okta's eventIds are unique per org only: inside byot a delivery is known by its scoped id (`acme.<eventId>`,
    // the bare eventId for `default`), so the job id, the record, the outcome and the sealing context of the same
    // eventId in two orgs are two deliveries.
    const eventId = scopedEventId(tenant, hook.eventId);
    const deliveryId = deliveryIdFor(eventId);
    const otpExpiresAt = Math.min(hook.otpExpiresAt, receivedAt + this.#deps.maxOtpLifetimeMs);
    const job = this.#buildJob(hook, eventId, tenant, deliveryId, otpExpiresAt, receivedAt);

    if (!this.#deps.queueConnected()) {
      // Nothing was written, so there is nothing to tombstone: Okta's providers will send it.
      return { kind: 'fallback', reason: 'queue-unreachable', deliveryId, queued: false };
    }
    const wait = outcomes.register(eventId);
    const queue = queues[hook.channel];
    const jobId = SEND_JOB_IDS.firstSend(eventId);
    let paced = false;
    try {
      await withTimeout(
        // A producer span around the add, whose context the job carries: the worker's span is its child, and the
        // trace reads hook → enqueue → worker → provider (ADR 0008).
        inSpan(
          `${queue.name} publish`,
          {
            kind: SpanKind.PRODUCER,
            attributes: {
              'messaging.system': 'bullmq',
              'messaging.operation.type': 'send',
              'messaging.destination.name': queue.name,
              // Bounded (the tenants file's ids), never a secret: whose code this is.
              'byot.tenant': tenant,
            },
          },
          async () => {
            const place = await this.#place(queue.name, tenant, jobId, otpExpiresAt);
            paced = (place.delayMs ?? 0) > 0;
            return enqueue(queue, 'send', { ...job, ...withTrace(traceCarrier()) }, { jobId, ...place });
          },
        ),
        this.#deps.enqueueTimeoutMs,
        'enqueue',
      );
    } catch (error) {
      wait.cancel();
      // Out of the waiting line again (best effort: a member left behind expires with the code anyway).
      void this.#deps.fairShare?.leave(queue.name, tenant, jobId).catch(() => {});
      this.#tombstone(eventId, otpExpiresAt);
      return { kind: 'fallback', reason: describeRedisFailure(error), deliveryId, queued: false };
    }

    try {
      const settledEarlier = await withTimeout(
        store.getOutcome(eventId),
        this.#deps.enqueueTimeoutMs,
        'read',
      );
      if (settledEarlier) wait.resolve(settledEarlier);
    } catch {
      // The job is queued: the worker will deliver. Keep waiting for the announced outcome.
    }

    // A paced code's slot is later than a provider's answer could come: answer PENDING soon (see above).
    const outcome = await wait.until(
      paced ? Math.min(deadline, receivedAt + PACED_ANSWER_AFTER_MS) : deadline,
    );
    if (!outcome) return { kind: 'pending', deliveryId };
    if (outcome.kind === 'fallback') return { kind: 'fallback', reason: outcome.reason, deliveryId };
    return { kind: 'settled', outcome, deliveryId };
  }

  /**
   * Where the job joins the queue: its rank in its tenant's waiting line as its BullMQ priority, and the delay its
   * tenant's send pace gives it (neither in the single-org setup).
   */
  async #place(
    queue: string,
    tenant: string,
    jobId: string,
    expiresAt: number,
  ): Promise<{ priority?: number; delayMs?: number }> {
    const fair = this.#deps.fairShare;
    if (!fair) return {};
    const pace = this.#deps.paceFor?.(tenant);
    const maxDelayMs = Math.min(PACE_MAX_DELAY_MS, Math.max(0, (expiresAt - Date.now()) / 2));
    const { priority, delayMs } = await fair.admit({
      queue,
      tenant,
      jobId,
      expiresAt,
      ...(pace ? { pace: { ...pace, maxDelayMs } } : {}),
    });
    return { priority, ...(delayMs > 0 ? { delayMs } : {}) };
  }

  #buildJob(
    hook: AcceptedHook,
    eventId: string,
    tenant: string,
    deliveryId: string,
    otpExpiresAt: number,
    receivedAt: number,
  ): SendJob {
    const secrets: SendSecrets = {
      otpCode: hook.otpCode,
      phoneE164: hook.phoneE164,
      ...(hook.message !== undefined ? { message: hook.message } : {}),
      ...(hook.login !== undefined ? { login: hook.login } : {}),
    };
    return {
      version: 1,
      eventId,
      // The single-org job stays as it was (no tenant: `default`), so workers of the previous release take it.
      ...(tenant === DEFAULT_TENANT_ID ? {} : { tenant }),
      deliveryId,
      channel: hook.channel,
      requestType: hook.requestType,
      ...(hook.source ? { source: hook.source } : {}),
      ...(hook.locale ? { locale: hook.locale } : {}),
      otpExpiresAt,
      receivedAt,
      phoneMasked: hook.phoneMasked,
      ...(hook.phoneCountry ? { phoneCountry: hook.phoneCountry } : {}),
      sealed: this.#deps.sealer.sealJson(secrets, eventId),
      // The trace context is added at the add, inside the producer span: the worker's spans (and a resend's)
      // join this trace.
    };
  }

  /**
   * We told (are telling) Okta to send this OTP itself. If the failed add in fact reached Redis (a timeout after
   * the write), a worker could still pick the job up: the tombstone stops it. Written in the background, with a
   * few retries, because Redis is likely unwell right now. See ADR 0003 for the window this cannot close.
   */
  #tombstone(eventId: string, otpExpiresAt: number): void {
    const attempt = async (n: number): Promise<void> => {
      try {
        const state = await this.#deps.store.markFallback(eventId, 'enqueue-failed', otpExpiresAt);
        if (state !== 'fallback') {
          this.#deps.log.error(
            { eventId, state },
            'fallback tombstone refused: a worker already started sending',
          );
        }
      } catch {
        if (n < 5 && Date.now() < otpExpiresAt) {
          setTimeout(() => void attempt(n + 1), 200 * 2 ** n).unref();
        } else {
          this.#deps.log.warn({ eventId }, 'could not write fallback tombstone (Redis unreachable)');
        }
      }
    };
    void attempt(0);
  }
}

function withTrace(trace: Record<string, string> | undefined): { trace?: Record<string, string> } {
  return trace ? { trace } : {};
}

class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describeRedisFailure(error: unknown): string {
  if (error instanceof TimeoutError) return 'queue-timeout';
  const message = error instanceof Error ? error.message : '';
  if (/OOM|maxmemory/i.test(message)) return 'queue-full';
  if (/writeable|connect|ECONNREFUSED|closed|Connection is closed/i.test(message)) return 'queue-unreachable';
  return 'queue-error';
}
