import type { SendJob } from '@byot/contracts';
import { type ByotMetrics, inSpan, linkTo, SpanKind, type TraceCarrier } from '@byot/telemetry';
import { DelayedError, type Job } from 'bullmq';
import type { AttemptRef } from './records/attempt-ledger.ts';
import type { Escalation, Route } from './send/shapes.ts';

/** The hook's trace context from a job, if it carries a well-formed one (a job is data from Redis). */
export function carriedTrace(data: unknown): TraceCarrier | undefined {
  const carrier = (data as { trace?: unknown } | undefined)?.trace;
  if (!carrier || typeof carrier !== 'object') return undefined;
  const entries = Object.entries(carrier);
  return entries.every(([, v]) => typeof v === 'string') ? Object.fromEntries(entries) : undefined;
}

/**
 * One consumer span per run of a send job, child of the hook that queued it (the job's `trace`), so that the
 * attempt loop's Redis calls, provider spans and log lines join the hook's trace. A rescheduled job
 * (DelayedError) is not a failure. With metrics, the run is also the scope that labels failovers.
 */
export function traceSendJobs<R>(
  queue: string,
  processor: (job: Job<SendJob>, token?: string) => Promise<R>,
  metrics?: ByotMetrics,
): (job: Job<SendJob>, token?: string) => Promise<R> {
  return (job, token) =>
    inSpan(
      `${queue} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: carriedTrace(job.data),
        attributes: {
          'messaging.system': 'bullmq',
          'messaging.operation.type': 'process',
          'messaging.destination.name': queue,
          'messaging.message.id': job.id ?? '',
          'byot.job.runs': job.attemptsStarted,
        },
        isExpected: (error) => error instanceof DelayedError,
      },
      () => (metrics ? metrics.trackJob(() => processor(job, token)) : processor(job, token)),
    );
}

/** A span around each provider call (its HTTP request nests inside), named by provider, never by number. */
export function traceRoutes(channel: string, routes: Route[]): Route[] {
  return routes.map((route) => ({
    ...route,
    send: (job, secrets, attempt) =>
      inSpan(
        `${route.provider} send`,
        { attributes: { 'byot.provider': route.provider, 'byot.channel': channel, 'byot.attempt': attempt } },
        () => route.send(job, secrets, attempt),
      ),
  }));
}

/** The same for escalations (e-mail last resort, landline to voice); their own fields and methods are kept. */
export function traceEscalations(escalations: Escalation[] | undefined): Escalation[] | undefined {
  return escalations?.map((escalation) =>
    Object.assign(Object.create(escalation) as Escalation, {
      run: (job: SendJob, secrets: Parameters<Escalation['run']>[1]) =>
        inSpan(`${escalation.name} escalation`, { attributes: { 'byot.escalation': escalation.name } }, () =>
          escalation.run(job, secrets),
        ),
    }),
  );
}

/**
 * A status callback is handled long after the hook's trace ended: its span starts a trace of its own, linked to
 * the delivery's (the hook's context, kept in the provider-message index), so one click leads from either to the other.
 */
export function traceReceipt<T>(ref: AttemptRef, name: string, fn: () => Promise<T>): Promise<T> {
  return inSpan(
    name,
    {
      kind: SpanKind.CONSUMER,
      parent: undefined,
      links: linkTo(ref.trace),
      attributes: { 'messaging.system': 'bullmq', 'byot.attempt': ref.index },
    },
    fn,
  );
}
