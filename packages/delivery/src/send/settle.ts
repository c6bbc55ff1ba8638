import type { ProviderError } from '@byot/providers';
import type { AttemptEntry } from '../records/attempt-ledger.ts';
import { type Acceptance, attemptLabels } from './route-pass.ts';
import { type SendProcessorDeps, type SendRun, settleFailure, toProviderError } from './run.ts';
import type { ProcessResult } from './shapes.ts';
import { codeUsage, countUsage, type UsageEventLike } from './usage.ts';

/**
 * Step 3a: a provider accepted. The record is settled (the outcome announced to the waiting hook), the ledger
 * entry and the provider-message index written in the same step, and the "no receipt in time" check scheduled.
 */
export async function settleAccepted(
  deps: SendProcessorDeps,
  run: SendRun,
  acceptance: Acceptance,
  channel: AttemptEntry['channel'] = run.job.channel,
): Promise<ProcessResult> {
  const { job } = run;
  const { sent } = acceptance;
  const route = run.routes.find((r) => r.provider === sent.provider);
  const outcome = {
    kind: 'accepted' as const,
    eventId: job.eventId,
    provider: sent.provider,
    providerMessageId: sent.providerMessageId,
    at: Date.now(),
  };
  // E-mail is the last resort: a bounce leaves nothing further to try, so no resend payload is kept for it.
  const settled = await deps.store.settleAccepted(
    outcome,
    job,
    {
      provider: sent.provider,
      channel,
      ...(route?.credentialSet === undefined ? {} : { credentialSet: route.credentialSet }),
      startedAt: acceptance.startedAt,
      finishedAt: outcome.at,
      result: 'accepted',
      providerMessageId: sent.providerMessageId,
      status: 'accepted',
      rank: 0,
    },
    channel !== 'email',
  );
  countUsage(deps, job, acceptedUsage(run, acceptance, channel, settled.applied));
  const deadline = deps.receiptDeadline;
  if (deadline && channel !== 'email' && !run.tooLate(Date.now() + deadline.afterMs)) {
    await deadline
      .schedule({ provider: sent.provider, providerMessageId: sent.providerMessageId }, deadline.afterMs)
      .catch((err: unknown) =>
        deps.log.warn({ ...run.context, err }, 'could not schedule the receipt deadline'),
      );
  }
  deps.onAttempt?.({
    provider: sent.provider,
    channel: job.channel,
    outcome: 'accepted',
    durationMs: acceptance.providerMs,
    failover: acceptance.failover,
    ...attemptLabels(run, route),
  });
  deps.log.info(
    {
      ...run.context,
      attempt: run.attempt,
      provider: sent.provider,
      failover: acceptance.failover,
      providerMessageId: sent.providerMessageId,
      providerStatus: sent.providerStatus,
      providerMs: acceptance.providerMs,
      sinceHookMs: Date.now() - job.receivedAt,
    },
    'provider accepted',
  );
  return { result: 'accepted', provider: sent.provider, providerMessageId: sent.providerMessageId };
}

/**
 * What an acceptance adds to the tenant's usage: the message the provider bills (with its segments), the
 * failover that got it there, and — once per code, not again for a receipt-driven resend — the code as sent.
 */
function acceptedUsage(
  run: SendRun,
  acceptance: Acceptance,
  channel: string,
  settledNow: boolean,
): UsageEventLike[] {
  const { job } = run;
  const { sent } = acceptance;
  const country = job.phoneCountry ? { country: job.phoneCountry } : {};
  const events: UsageEventLike[] = [
    {
      kind: 'message',
      channel,
      provider: sent.provider,
      ...country,
      ...(sent.segments === undefined ? {} : { segments: sent.segments }),
    },
  ];
  if (acceptance.failedOverFrom) {
    events.push({
      kind: 'failover',
      channel,
      from: acceptance.failedOverFrom,
      to: sent.provider,
      ...country,
    });
  }
  if (settledNow && run.exclusions === undefined) events.push(codeUsage(job, 'sent', sent.provider, channel));
  return events;
}

export interface GivingUp {
  reason: string;
  state: 'failed' | 'expired';
  failure: ProviderError;
}

/**
 * Step 3b: every route failed for good, or time is up. The first escalation that applies takes the code on
 * (e-mail, or the voice queue for a landline); without one, the failure is settled.
 */
export async function escalateOrFail(
  deps: SendProcessorDeps,
  run: SendRun,
  { reason, state, failure }: GivingUp,
): Promise<ProcessResult> {
  const { job, secrets } = run;
  for (const escalation of run.escalations) {
    if (!escalation.appliesTo(job, secrets, failure)) continue;
    // Out of "sending" first: a worker the delivery is handed to must not find it busy.
    await deps.store.markRetrying(job.eventId, `${reason}; escalating to ${escalation.name}`, Date.now());
    try {
      const result = await escalation.run(job, secrets);
      if (result === 'handed-over') {
        deps.log.info(
          { ...run.context, attempt: run.attempt, escalation: escalation.name, reason },
          'delivery handed over',
        );
        return { result: 'handed-over', to: escalation.name };
      }
      const acceptance: Acceptance = {
        sent: result,
        failover: true,
        providerMs: 0,
        startedAt: Date.now(),
        ...(failure.provider === 'all' ? {} : { failedOverFrom: failure.provider }),
      };
      return settleAccepted(deps, run, acceptance, escalation.channel ?? job.channel);
    } catch (error) {
      const e = toProviderError(error, escalation.name);
      deps.log.warn(
        { ...run.context, escalation: escalation.name, errorKind: e.kind, errorCode: e.code },
        'escalation failed',
      );
    }
  }
  const provider = failure.provider === 'all' ? undefined : failure.provider;
  const settledNow = await settleFailure(deps.store, job, reason, state, provider);
  if (settledNow && run.exclusions === undefined) countUsage(deps, job, [codeUsage(job, state, provider)]);
  if (state === 'expired') deps.events?.expiredUndelivered?.({ channel: job.channel, tenant: run.tenant });
  deps.log.warn({ ...run.context, attempt: run.attempt, reason, state }, `send ${state}`);
  return { result: state, reason };
}

/** Step 3c: nothing took the code yet, and there is time: the record says when the next run comes. */
export async function reschedule(
  deps: SendProcessorDeps,
  run: SendRun,
  failure: ProviderError,
  delayMs: number,
): Promise<void> {
  await deps.store.markRetrying(run.job.eventId, failure.message, Date.now() + delayMs);
  deps.log.warn(
    { ...run.context, attempt: run.attempt, retryInMs: delayMs, reason: failure.message },
    'no route delivered; retrying',
  );
}
