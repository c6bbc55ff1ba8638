import {
  type DeliveryOutcome,
  type SendJob,
  type SendSecrets,
  sendJobSchema,
  sendSecretsSchema,
} from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { ProviderError, type SendResult } from '@byot/providers';
import type { Sealer } from '@byot/sealing';
import { DelayedError, type Job } from 'bullmq';
import { decideRetry, type RetrySettings } from './retry-policy.ts';
import type { DeliveryStore } from './store.ts';

/** Sends one attempt through a provider. Throws ProviderError on failure. */
export type AttemptSender = (job: SendJob, secrets: SendSecrets, attempt: number) => Promise<SendResult>;

export interface SendProcessorDeps {
  store: DeliveryStore;
  sealer: Sealer;
  log: Logger;
  retry: RetrySettings;
  /** Longer than one provider call can take (client timeout + margin), shorter than BullMQ's job lock. */
  attemptStaleAfterMs: number;
  /** The provider the next attempt goes to, for the record (failover picks per attempt). */
  providerFor: (job: SendJob, attempt: number) => string;
  send: AttemptSender;
}

export type ProcessResult =
  | { result: 'accepted'; provider: string; providerMessageId: string }
  | { result: 'failed' | 'expired'; reason: string }
  | { result: 'skipped'; state: string };

/**
 * The attempt loop shared by every channel's worker. One BullMQ job is one delivery; each run of the processor is
 * one attempt. Retries are scheduled here (moveToDelayed), not by BullMQ's attempts, so the OTP's expiry, not an
 * attempt count, ends the chain. The delivery record decides atomically whether an attempt may start, which is
 * what keeps a redelivered or duplicated job from sending twice.
 */
export function createSendProcessor(deps: SendProcessorDeps) {
  return async (job: Job<SendJob>, token?: string): Promise<ProcessResult> => {
    const data = sendJobSchema.parse(job.data);
    const context = {
      eventId: data.eventId,
      channel: data.channel,
      phoneMasked: data.phoneMasked,
      jobId: job.id,
    };
    const now = Date.now();

    if (now + deps.retry.minUsefulLifetimeMs > data.otpExpiresAt) {
      const reason = 'code expired before it could be sent';
      await settleFailure(deps.store, data, reason, 'expired');
      deps.log.warn({ ...context, lateByMs: now - data.otpExpiresAt }, 'send skipped: code expired');
      return { result: 'expired', reason };
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
      deps.providerFor(data, 1),
      deps.attemptStaleAfterMs,
    );
    if (decision.decision === 'busy') {
      // Another worker holds an attempt in progress (a stalled job handed out twice): look again once it
      // must have finished, without spending an attempt.
      deps.log.warn({ ...context, retryInMs: decision.retryInMs }, 'attempt in progress elsewhere; waiting');
      if (!token) throw new Error('attempt in progress elsewhere');
      await job.moveToDelayed(Date.now() + decision.retryInMs, token);
      throw new DelayedError();
    }
    if (decision.decision === 'settled') {
      // A duplicate hook or a redelivered job: announce the settled outcome again for whoever is waiting.
      if (decision.outcome) await deps.store.announce(decision.outcome);
      deps.log.info({ ...context, state: decision.state }, 'send skipped: already settled');
      return { result: 'skipped', state: decision.state };
    }
    const attempt = decision.attempt;
    const provider = deps.providerFor(data, attempt);
    if (decision.previousState === 'sending') {
      // The previous attempt's worker died mid-send: the provider may have accepted it. We send again, because a
      // missing code locks a person out while a repeated one does not (ADR 0003).
      deps.log.warn({ ...context, attempt }, 'resuming after an attempt whose outcome is unknown');
    }

    const secrets = sendSecretsSchema.parse(deps.sealer.openJson(data.sealed, data.eventId));
    const started = performance.now();
    try {
      const sent = await deps.send(data, secrets, attempt);
      const outcome: DeliveryOutcome = {
        kind: 'accepted',
        eventId: data.eventId,
        provider: sent.provider,
        providerMessageId: sent.providerMessageId,
        at: Date.now(),
      };
      await deps.store.settle(outcome, 'accepted', data.otpExpiresAt);
      deps.log.info(
        {
          ...context,
          attempt,
          provider: sent.provider,
          providerMessageId: sent.providerMessageId,
          providerStatus: sent.providerStatus,
          providerMs: Math.round(performance.now() - started),
          sinceHookMs: Date.now() - data.receivedAt,
        },
        'provider accepted',
      );
      return { result: 'accepted', provider: sent.provider, providerMessageId: sent.providerMessageId };
    } catch (caught) {
      const error =
        caught instanceof ProviderError
          ? caught
          : new ProviderError({
              kind: 'unavailable',
              provider,
              code: 'internal',
              safeMessage: `${provider} adapter failed: ${caught instanceof Error ? caught.name : 'error'}`,
              mayHaveBeenDelivered: true,
            });
      const next = decideRetry(error, attempt, data.otpExpiresAt, deps.retry);
      const attemptLog = {
        ...context,
        attempt,
        provider: error.provider,
        errorKind: error.kind,
        errorCode: error.code,
        providerMs: Math.round(performance.now() - started),
      };
      if (next.action === 'stop') {
        await settleFailure(deps.store, data, next.reason, next.state, error.provider);
        deps.log.warn({ ...attemptLog, reason: next.reason }, `send ${next.state}`);
        return { result: next.state, reason: next.reason };
      }
      await deps.store.markRetrying(data.eventId, error.message, Date.now() + next.delayMs);
      deps.log.warn(
        { ...attemptLog, retryInMs: next.delayMs, reason: error.message },
        'attempt failed; retrying',
      );
      if (!token) throw error;
      await job.moveToDelayed(Date.now() + next.delayMs, token);
      throw new DelayedError();
    }
  };
}

async function settleFailure(
  store: DeliveryStore,
  data: SendJob,
  reason: string,
  state: 'failed' | 'expired',
  provider?: string,
): Promise<void> {
  const outcome: DeliveryOutcome = {
    kind: 'failed',
    eventId: data.eventId,
    reason: state === 'expired' ? `expired: ${reason}` : reason,
    ...(provider ? { provider } : {}),
    at: Date.now(),
  };
  await store.settle(outcome, state, data.otpExpiresAt);
}
