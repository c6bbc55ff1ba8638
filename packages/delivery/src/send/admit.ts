import { type SendJob, sendJobSchema, sendSecretsSchema, splitScopedEventId } from '@byot/contracts';
import type { Job } from 'bullmq';
import { isExcluded } from '../records/delivery-record.ts';
import { routingFor, TenantRoutesError, UnknownTenantError } from './routing.ts';
import { runContext, type SendProcessorDeps, type SendRun, settleFailure } from './run.ts';
import type { ProcessResult, Route, Routing } from './shapes.ts';
import { codeUsage, countUsage } from './usage.ts';

export type Admission =
  /** Nothing to send: the code expired, or the delivery is settled already. */
  | { kind: 'done'; result: ProcessResult }
  /** Another worker's attempt may still be sending: look again later, without spending an attempt. */
  | { kind: 'wait'; retryInMs: number }
  | { kind: 'admitted'; run: SendRun };

/**
 * Step 1 of a send job: may this run send at all? The delivery record decides atomically (beginAttempt), which
 * is what keeps a redelivered or duplicated job from sending twice; a code too close to its expiry is not sent.
 */
export async function admit(deps: SendProcessorDeps, job: Job<SendJob>): Promise<Admission> {
  const data = sendJobSchema.parse(job.data);
  const context = runContext(data, job.id);
  const tooLate = (at = Date.now()) => at + deps.retry.minUsefulLifetimeMs > data.otpExpiresAt;
  const now = Date.now();
  if (tooLate(now)) {
    const reason = 'code expired before it could be sent';
    if (await settleFailure(deps.store, data, reason, 'expired')) {
      countUsage(deps, data, [codeUsage(data, 'expired', undefined)]);
    }
    deps.events?.expiredUndelivered?.({
      channel: data.channel,
      tenant: splitScopedEventId(data.eventId).tenant,
    });
    deps.log.warn({ ...context, lateByMs: now - data.otpExpiresAt }, 'send skipped: code expired');
    return { kind: 'done', result: { result: 'expired', reason } };
  }

  let routing: Routing;
  try {
    routing = await routingFor(deps, data);
  } catch (error) {
    if (!(error instanceof UnknownTenantError || error instanceof TenantRoutesError)) throw error;
    await settleFailure(deps.store, data, error.message, 'failed');
    deps.log.error({ ...context, reason: error.message }, 'send failed: its tenant cannot send it');
    return { kind: 'done', result: { result: 'failed', reason: error.message } };
  }
  const primary = routing.routes[0] as Route | undefined;
  if (!primary) {
    const reason = `tenant "${routing.tenant}" has no ${data.channel} provider`;
    await settleFailure(deps.store, data, reason, 'failed');
    deps.log.error({ ...context, reason }, 'send failed: its tenant cannot send it');
    return { kind: 'done', result: { result: 'failed', reason } };
  }
  const decision = await deps.store.beginAttempt(
    {
      eventId: data.eventId,
      deliveryId: data.deliveryId,
      channel: data.channel,
      requestType: data.requestType,
      phoneMasked: data.phoneMasked,
      otpExpiresAt: data.otpExpiresAt,
    },
    primary.provider,
    deps.attemptStaleAfterMs,
  );
  if (decision.decision === 'busy') {
    // A stalled job handed out twice: the other run may still be sending.
    deps.log.warn({ ...context, retryInMs: decision.retryInMs }, 'attempt in progress elsewhere; waiting');
    return { kind: 'wait', retryInMs: decision.retryInMs };
  }
  if (decision.decision === 'settled') {
    // A duplicate hook or a redelivered job: announce the settled outcome again for whoever is waiting.
    if (decision.outcome) await deps.store.announce(decision.outcome);
    deps.log.info({ ...context, state: decision.state }, 'send skipped: already settled');
    return { kind: 'done', result: { result: 'skipped', state: decision.state } };
  }
  if (decision.previousState === 'sending') {
    // The previous run's worker died mid-send: the provider may have accepted it. We send again, because a
    // missing code locks a person out while a repeated one does not (ADR 0003).
    deps.log.warn(
      { ...context, attempt: decision.attempt },
      'resuming after an attempt whose outcome is unknown',
    );
  }
  const secrets = sendSecretsSchema.parse(deps.sealer.openJson(data.sealed, data.eventId));
  return {
    kind: 'admitted',
    run: {
      job: data,
      tenant: routing.tenant,
      secrets,
      attempt: decision.attempt,
      // Receipts may have ruled out providers (they reported this code undelivered) or the whole channel.
      routes: routing.routes.filter(
        (route) => !isExcluded(decision.exclusions, data.channel, route.provider),
      ),
      escalations: routing.escalations,
      exclusions: decision.exclusions,
      context,
      tooLate,
    },
  };
}
