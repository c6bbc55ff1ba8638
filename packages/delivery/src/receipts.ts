import {
  type Channel,
  DEFAULT_TENANT_ID,
  RECEIPT_DEADLINE_JOB,
  type ReceiptDeadline,
  receiptDeadlineSchema,
  receiptVerdict,
  SEND_JOB_IDS,
  type StatusEvent,
  splitScopedEventId,
  statusEventSchema,
} from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { receiptFailureMeaning } from '@byot/providers';
import { enqueue, type SendQueue } from '@byot/redis';
import type { Job } from 'bullmq';
import type { DeliveryEvents } from './events.ts';
import type { AttemptRef } from './records/attempt-ledger.ts';
import type { DeliveryStore } from './records/delivery-store.ts';
import { countUsage, type UsageRecorder } from './send/usage.ts';

export interface ReceiptProcessorDeps {
  store: DeliveryStore;
  log: Logger;
  /** Where a resend goes: the queue of the channel the code was being sent on. */
  queues: Record<Channel, SendQueue>;
  /** A code with less time left than this is not resent (the same rule as the send loop's). */
  minUsefulLifetimeMs: number;
  /** False: receipts are recorded, never acted on (RECEIPT_FAILOVER=false). */
  failover: boolean;
  events?: Pick<DeliveryEvents, 'receipt' | 'delivered' | 'receiptFailover' | 'expiredUndelivered'>;
  /** Per-tenant usage counters: each final receipt is counted for the delivery's tenant. */
  usage?: UsageRecorder;
  /** Runs the handling of one receipt inside a span linked to its delivery's trace (tracing); default: as is. */
  traceReceipt?: <T>(ref: AttemptRef, name: string, fn: () => Promise<T>) => Promise<T>;
}

export type ReceiptResult =
  | { result: 'unknown-message' }
  /** The message is a delivery of another tenant than the callback path's: ignored, that tenant's record untouched. */
  | { result: 'other-tenant' }
  | { result: 'recorded'; outcome: string; verdict?: string }
  | { result: 'rerouted'; to: Channel; jobId: string }
  | { result: 'not-rerouted'; why: string };

/** Thrown while a callback's message is not in the ledger yet: BullMQ retries the job with backoff. */
export class ReceiptTooEarly extends Error {
  constructor() {
    super('receipt for a provider message the ledger does not know yet');
    this.name = 'ReceiptTooEarly';
  }
}

/**
 * The consumer of the status queue, run by every channel worker. It records each verified callback in the
 * delivery ledger and, when a receipt says an accepted code did not reach the person (or no receipt came in
 * time), sends the code on by the next route while it is still valid. The policy of which route that is stays in
 * the send loop: this only rules the failed provider (or the whole channel) out and queues the sealed job again.
 */
export function createReceiptProcessor(deps: ReceiptProcessorDeps) {
  const handlers = createReceiptHandlers(deps);
  return (job: Job<StatusEvent | ReceiptDeadline>): Promise<ReceiptResult> =>
    job.name === RECEIPT_DEADLINE_JOB
      ? handlers.deadline(job as Job<ReceiptDeadline>)
      : handlers.receipt(job as Job<StatusEvent>);
}

/** The status queue's job kinds (QUEUE_CATALOG.status.jobs), each with its handler. */
export function createReceiptHandlers(deps: ReceiptProcessorDeps) {
  return {
    receipt: async (job: Job<StatusEvent>): Promise<ReceiptResult> => {
      const event = statusEventSchema.parse(job.data);
      const ref = await deps.store.findByProviderMessage(event.provider, event.providerMessageId);
      if (!ref) {
        // A provider can call back before our own bookkeeping of its answer has landed (it answers the send, then
        // reports at once): retry a few times before deciding the message is not ours.
        if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new ReceiptTooEarly();
        deps.log.info(
          { provider: event.provider, channel: event.channel, status: event.status },
          'receipt for a message this deployment does not know (or whose record expired); ignored',
        );
        return { result: 'unknown-message' };
      }
      // A callback is verified with the secrets of the tenant whose path it came in on: it may speak only of that
      // tenant's deliveries. Provider message ids are unguessable, but one customer's credentials must never be able
      // to move another customer's record, so a receipt naming another tenant's message is dropped, not applied.
      const pathTenant = event.tenant ?? DEFAULT_TENANT_ID;
      const deliveryTenant = splitScopedEventId(ref.eventId).tenant;
      if (pathTenant !== deliveryTenant) {
        deps.log.warn(
          { provider: event.provider, channel: event.channel, tenant: pathTenant, deliveryTenant },
          "receipt on one tenant's callback path names another tenant's message; ignored",
        );
        return { result: 'other-tenant' };
      }
      const traced = deps.traceReceipt ?? ((_ref, _name, fn) => fn());
      return traced(ref, `receipt ${event.provider} ${event.channel}`, () => onReceipt(deps, ref, event));
    },
    deadline: (job: Job<ReceiptDeadline>): Promise<ReceiptResult> =>
      onDeadline(deps, receiptDeadlineSchema.parse(job.data)),
  };
}

/** A verified callback: record it in the ledger; a failure receipt sends the code on by the next route. */
async function onReceipt(
  deps: ReceiptProcessorDeps,
  ref: AttemptRef,
  event: StatusEvent,
): Promise<ReceiptResult> {
  const attempt = { provider: event.provider, channel: event.channel };
  const applied = await deps.store.applyReceipt(ref, event, attempt);
  if (applied.outcome === 'missing') return { result: 'unknown-message' };
  // The delivery's scoped id names its tenant (bare: `default`); the attempt's entry names the account that sent
  // it (none: the default tenant's, or an entry written before entries named it). Both label the route's figures.
  const { tenant } = splitScopedEventId(ref.eventId);
  deps.events?.receipt?.({
    provider: event.provider,
    channel: event.channel,
    status: event.status,
    applied: applied.outcome === 'applied',
    tenant,
    ...(applied.credentialSet === undefined ? {} : { credentialSet: applied.credentialSet }),
  });
  if (applied.outcome === 'applied' && receiptVerdict(event.status) !== 'progress') {
    countUsage(deps, { tenant, eventId: ref.eventId }, [
      { kind: 'receipt', channel: event.channel, provider: event.provider, status: event.status },
    ]);
  }
  const line = {
    eventId: ref.eventId,
    attempt: ref.index,
    provider: event.provider,
    channel: event.channel,
    status: event.status,
    errorCode: event.errorCode,
    ledger: applied.outcome,
  };
  if (applied.firstDelivery) {
    const latencyMs =
      applied.hookReceivedAt !== undefined && applied.deliveredAt !== undefined
        ? Math.max(0, applied.deliveredAt - applied.hookReceivedAt)
        : undefined;
    if (latencyMs !== undefined)
      deps.events?.delivered?.({ provider: event.provider, channel: event.channel, latencyMs, tenant });
    deps.log.info({ ...line, deliveryLatencyMs: latencyMs }, 'code delivered');
    return { result: 'recorded', outcome: applied.outcome, verdict: 'delivered' };
  }
  // A failed verdict is acted on even when this report is a duplicate: the job that first saw it may have died
  // between recording it and queueing the resend. reopenForResend makes the second time harmless.
  if (
    applied.verdict === 'failed' &&
    applied.deliveredAt === undefined &&
    event.channel !== 'email' &&
    applied.state !== 'fallback'
  ) {
    return reroute(deps, ref, event.provider, event.channel, event.providerMessageId, {
      cause: `receipt:${event.status}`,
      reason: `${event.provider} ${event.channel} ${event.status}${event.errorCode ? ` ${event.errorCode}` : ''}`,
      errorCode: event.errorCode,
      logLine: line,
    });
  }
  deps.log.debug(line, 'receipt recorded');
  return {
    result: 'recorded',
    outcome: applied.outcome,
    ...(applied.verdict ? { verdict: applied.verdict } : {}),
  };
}

/** Our own "no receipt within N seconds" check: an accepted code with no final receipt counts as undelivered. */
async function onDeadline(deps: ReceiptProcessorDeps, check: ReceiptDeadline): Promise<ReceiptResult> {
  const ref = await deps.store.findByProviderMessage(check.provider, check.providerMessageId);
  if (!ref) return { result: 'unknown-message' };
  const ledger = await deps.store.getLedger(ref.eventId);
  const entry = ledger?.attempts[ref.index - 1];
  if (!ledger || !entry || entry.verdict !== undefined || ledger.record.deliveredAt)
    return { result: 'not-rerouted', why: 'a final receipt came in time' };
  const now = Date.now();
  const applied = await deps.store.applyReceipt(
    ref,
    { status: 'unknown', rawStatus: 'no-receipt', occurredAt: now, receivedAt: now },
    { provider: check.provider, channel: entry.channel },
    'no-receipt',
  );
  if (applied.outcome === 'missing' || applied.verdict !== 'no-receipt')
    return { result: 'not-rerouted', why: 'a final receipt came in time' };
  if (entry.channel === 'email') return { result: 'not-rerouted', why: 'e-mail is the last resort' };
  return reroute(deps, ref, check.provider, entry.channel, check.providerMessageId, {
    cause: 'no-receipt',
    reason: `${check.provider} ${entry.channel} sent no final receipt in time`,
    errorCode: undefined,
    logLine: { eventId: ref.eventId, attempt: ref.index, provider: check.provider, channel: entry.channel },
  });
}

/** Rules the failed provider (or, when the number is the problem, the channel) out and queues the code again. */
async function reroute(
  deps: ReceiptProcessorDeps,
  ref: AttemptRef,
  provider: string,
  channel: Channel,
  providerMessageId: string,
  why: { cause: string; reason: string; errorCode: string | undefined; logLine: Record<string, unknown> },
): Promise<ReceiptResult> {
  if (!deps.failover) {
    deps.log.warn(why.logLine, 'code not delivered; receipt failover is off (RECEIPT_FAILOVER=false)');
    return { result: 'not-rerouted', why: 'receipt failover is off' };
  }
  const meaning = receiptFailureMeaning(provider, channel, why.errorCode);
  const reopened = await deps.store.reopenForResend(
    ref.eventId,
    { provider, channel, providerMessageId },
    {
      minUsefulMs: deps.minUsefulLifetimeMs,
      numberBad: meaning.numberBad,
      suggestsVoice: meaning.suggestsVoice,
      reason: why.reason,
    },
  );
  if (reopened.decision !== 'reroute') {
    if (reopened.decision === 'too-late') {
      deps.events?.expiredUndelivered?.({ channel, tenant: splitScopedEventId(ref.eventId).tenant });
      deps.log.warn(why.logLine, 'code not delivered and too close to expiry to resend; nothing sent');
    } else {
      deps.log.info({ ...why.logLine, decision: reopened.decision }, 'failure receipt: no resend');
    }
    return { result: 'not-rerouted', why: reopened.decision };
  }
  const resend = reopened.job;
  // One resend per failed attempt: a retried status job re-adds the same id, which BullMQ ignores.
  const jobId = SEND_JOB_IDS.receiptResend(ref.eventId, ref.index);
  await enqueue(deps.queues[resend.channel], 'send', resend, { jobId });
  if (reopened.repeat) return { result: 'rerouted', to: resend.channel, jobId };
  deps.events?.receiptFailover?.({
    channel,
    fromProvider: provider,
    cause: why.cause,
    tenant: splitScopedEventId(ref.eventId).tenant,
  });
  deps.log.warn(
    { ...why.logLine, numberBad: meaning.numberBad, resendOn: resend.channel },
    `code not delivered (${why.reason}); sending it on by the next route`,
  );
  return { result: 'rerouted', to: resend.channel, jobId };
}
