import {
  type DeliveryOutcome,
  REQUEST_TYPE_LABEL,
  type SendJob,
  type SendSecrets,
  sendJobSchema,
  sendSecretsSchema,
} from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { ProviderError, type SendResult } from '@byot/providers';
import type { Sealer } from '@byot/sealing';
import { DelayedError, type Job } from 'bullmq';
import type { CircuitBreakers } from './breaker.ts';
import type { DeliveryEvents } from './events.ts';
import type { AttemptEntry } from './records/attempt-ledger.ts';
import { isExcluded, type RouteExclusions } from './records/delivery-record.ts';
import type { DeliveryStore } from './records/delivery-store.ts';
import { decideRetry, type RetrySettings } from './retry-policy.ts';

/** Sends one attempt through a provider. Throws ProviderError on failure. */
export type AttemptSender = (job: SendJob, secrets: SendSecrets, attempt: number) => Promise<SendResult>;

/** One provider able to deliver this channel, in the operator's order of preference. */
export interface Route {
  provider: string;
  send: AttemptSender;
}

/** Where a code goes when no route of its channel can ever deliver it (e-mail, another channel). */
export interface Escalation {
  /** A short label for logs and the record, e.g. "voice" or "email:sendgrid". */
  name: string;
  /** Whether it applies to this delivery and failure (e.g. only to an e-mail login, only for landlines). */
  appliesTo(job: SendJob, secrets: SendSecrets, failure: ProviderError | undefined): boolean;
  /**
   * 'handed-over': another worker now owns the delivery (e.g. a voice job was queued);
   * a SendResult: the escalation itself delivered it.
   */
  run(job: SendJob, secrets: SendSecrets): Promise<'handed-over' | SendResult>;
}

export interface SendProcessorDeps {
  store: DeliveryStore;
  sealer: Sealer;
  log: Logger;
  retry: RetrySettings;
  /** Longer than one provider call can take (client timeout + margin), shorter than BullMQ's job lock. */
  attemptStaleAfterMs: number;
  routes: Route[];
  /** Shared breakers: a provider that keeps failing is skipped by every worker for a while. */
  breakers?: CircuitBreakers;
  /** Tried in order once every route failed for good or the code is about to expire. */
  escalations?: Escalation[];
  /** Observes each provider attempt (metrics). */
  onAttempt?: (event: AttemptEvent) => void;
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

export interface AttemptEvent {
  provider: string;
  channel: string;
  outcome: 'accepted' | ProviderError['kind'] | 'skipped-open';
  durationMs: number;
  failover: boolean;
}

export type ProcessResult =
  | { result: 'accepted'; provider: string; providerMessageId: string }
  | { result: 'failed' | 'expired'; reason: string }
  | { result: 'handed-over'; to: string }
  | { result: 'skipped'; state: string };

/** Waiting this long or less for a throttled provider beats failing over to a worse route. */
const SHORT_THROTTLE_MS = 1_000;

/**
 * The attempt loop shared by every channel's worker. One BullMQ job is one delivery; each run of the processor
 * tries the routes in order (skipping providers whose shared breaker is open, moving to the next at once when one
 * is unavailable), and schedules the next run itself (moveToDelayed), so the OTP's expiry, not an attempt count,
 * ends the chain. The delivery record decides atomically whether a run may start, which is what keeps a
 * redelivered or duplicated job from sending twice.
 */
export function createSendProcessor(deps: SendProcessorDeps) {
  if (deps.routes.length === 0) throw new Error('a send processor needs at least one route');
  const primary = deps.routes[0] as Route;
  const ledgerLog = (data: SendJob, entry: AttemptEntry) =>
    // The ledger is for people reading it later: failing to write it must not fail a send.
    deps.store.logAttempt(data.eventId, data.otpExpiresAt, entry).catch((err: unknown) => {
      deps.log.warn({ eventId: data.eventId, err }, 'could not record a failed attempt in the ledger');
    });

  return async (job: Job<SendJob>, token?: string): Promise<ProcessResult> => {
    const data = sendJobSchema.parse(job.data);
    // On every line of this run: what an on-call engineer filters by (the event, the kind of request, the number
    // masked, the job).
    const context = {
      eventId: data.eventId,
      requestType: REQUEST_TYPE_LABEL[data.requestType],
      channel: data.channel,
      phoneMasked: data.phoneMasked,
      jobId: job.id,
    };
    const now = Date.now();
    const tooLate = (at = Date.now()) => at + deps.retry.minUsefulLifetimeMs > data.otpExpiresAt;

    if (tooLate(now)) {
      const reason = 'code expired before it could be sent';
      await settleFailure(deps.store, data, reason, 'expired');
      deps.events?.expiredUndelivered?.({ channel: data.channel });
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
      primary.provider,
      deps.attemptStaleAfterMs,
    );
    if (decision.decision === 'busy') {
      // Another worker holds an attempt in progress (a stalled job handed out twice): look again once it
      // must have finished, without spending an attempt.
      deps.log.warn({ ...context, retryInMs: decision.retryInMs }, 'attempt in progress elsewhere; waiting');
      return delay(job, token, decision.retryInMs);
    }
    if (decision.decision === 'settled') {
      // A duplicate hook or a redelivered job: announce the settled outcome again for whoever is waiting.
      if (decision.outcome) await deps.store.announce(decision.outcome);
      deps.log.info({ ...context, state: decision.state }, 'send skipped: already settled');
      return { result: 'skipped', state: decision.state };
    }
    const attempt = decision.attempt;
    if (decision.previousState === 'sending') {
      // The previous run's worker died mid-send: the provider may have accepted it. We send again, because a
      // missing code locks a person out while a repeated one does not (ADR 0003).
      deps.log.warn({ ...context, attempt }, 'resuming after an attempt whose outcome is unknown');
    }

    const secrets = sendSecretsSchema.parse(deps.sealer.openJson(data.sealed, data.eventId));
    // Receipts may have ruled out providers (they reported this code undelivered) or the whole channel.
    const routes = deps.routes.filter((r) => !isExcluded(decision.exclusions, data.channel, r.provider));
    if (routes.length === 0) {
      return giveUp(
        `every ${data.channel} route was tried; receipts reported it undelivered`,
        'failed',
        receiptsExhausted(data.channel, decision.exclusions),
      );
    }
    let lastError: ProviderError | undefined;
    let permanent: ProviderError | undefined;
    let throttledForMs: number | undefined;
    let tried = 0;

    // First pass: the breakers steer traffic away from providers that keep failing. If every provider's breaker
    // is open, a second pass tries them anyway: skipping them all would only let the code expire unsent, while a
    // breaker exists to prefer a healthy route, not to drop traffic that has no other way out.
    for (const ignoreBreakers of [false, true]) {
      if (ignoreBreakers && (tried > 0 || permanent || tooLate())) break;
      for (const route of routes) {
        if (tooLate()) break;
        const gate =
          deps.breakers && !ignoreBreakers
            ? await deps.breakers.decide(route.provider, data.channel)
            : 'allow';
        if (gate === 'skip') {
          deps.onAttempt?.({
            provider: route.provider,
            channel: data.channel,
            outcome: 'skipped-open',
            durationMs: 0,
            failover: tried > 0,
          });
          deps.log.info({ ...context, attempt, provider: route.provider }, 'provider skipped: breaker open');
          continue;
        }
        const failover = tried > 0;
        tried++;
        const result = await tryRoute(route, data, secrets, attempt);
        if (result.ok) {
          await deps.breakers?.recordSuccess(route.provider, data.channel);
          return accept(result.sent, failover, result.ms, result.startedAt);
        }
        const error = result.error;
        lastError = error;
        report(route, error, result.ms, failover, result.startedAt);
        if (error.kind === 'unavailable') {
          await deps.breakers?.recordFailure(route.provider, data.channel);
          continue;
        }
        if (gate === 'probe') await deps.breakers?.recordSuccess(route.provider, data.channel); // it answered
        if (error.kind === 'rate-limited') {
          const wait = error.retryAfterMs ?? SHORT_THROTTLE_MS;
          if (wait <= SHORT_THROTTLE_MS && !tooLate(Date.now() + wait)) {
            await sleep(wait);
            const again = await tryRoute(route, data, secrets, attempt);
            if (again.ok) return accept(again.sent, failover, again.ms, again.startedAt);
            lastError = again.error;
            report(route, again.error, again.ms, failover, again.startedAt);
            if (again.error.kind === 'destination-permanent' || again.error.kind === 'bad-request') {
              permanent = again.error;
              break;
            }
          }
          throttledForMs = Math.max(throttledForMs ?? 0, error.retryAfterMs ?? SHORT_THROTTLE_MS);
          continue;
        }
        // destination-permanent or bad-request: another provider of this channel would fail the same way.
        permanent = error;
        break;
      }
    }

    if (permanent) return giveUp(permanent.message, 'failed', permanent);

    const failure =
      lastError ??
      new ProviderError({
        kind: 'unavailable',
        provider: 'all',
        code: 'breaker-open',
        safeMessage: 'every provider is cooling down after failures',
      });
    const next = decideRetry(
      throttledForMs !== undefined && failure.kind !== 'rate-limited'
        ? new ProviderError({
            kind: 'rate-limited',
            provider: failure.provider,
            code: failure.code,
            safeMessage: failure.message,
            retryAfterMs: throttledForMs,
          })
        : failure,
      attempt,
      data.otpExpiresAt,
      deps.retry,
    );
    if (next.action === 'stop') return giveUp(next.reason, next.state, failure);
    await deps.store.markRetrying(data.eventId, failure.message, Date.now() + next.delayMs);
    deps.log.warn(
      { ...context, attempt, retryInMs: next.delayMs, reason: failure.message },
      'no route delivered; retrying',
    );
    return delay(job, token, next.delayMs);

    async function accept(
      sent: SendResult,
      failover: boolean,
      providerMs: number,
      startedAt: number,
      channel: AttemptEntry['channel'] = data.channel,
    ): Promise<ProcessResult> {
      const outcome = {
        kind: 'accepted' as const,
        eventId: data.eventId,
        provider: sent.provider,
        providerMessageId: sent.providerMessageId,
        at: Date.now(),
      };
      // E-mail is the last resort: a bounce leaves nothing further to try, so no resend payload is kept for it.
      await deps.store.settleAccepted(
        outcome,
        data,
        {
          provider: sent.provider,
          channel,
          startedAt,
          finishedAt: outcome.at,
          result: 'accepted',
          providerMessageId: sent.providerMessageId,
          status: 'accepted',
          rank: 0,
        },
        channel !== 'email',
      );
      const deadline = deps.receiptDeadline;
      if (deadline && channel !== 'email' && !tooLate(Date.now() + deadline.afterMs)) {
        await deadline
          .schedule({ provider: sent.provider, providerMessageId: sent.providerMessageId }, deadline.afterMs)
          .catch((err: unknown) =>
            deps.log.warn({ ...context, err }, 'could not schedule the receipt deadline'),
          );
      }
      deps.onAttempt?.({
        provider: sent.provider,
        channel: data.channel,
        outcome: 'accepted',
        durationMs: providerMs,
        failover,
      });
      deps.log.info(
        {
          ...context,
          attempt,
          provider: sent.provider,
          failover,
          providerMessageId: sent.providerMessageId,
          providerStatus: sent.providerStatus,
          providerMs,
          sinceHookMs: Date.now() - data.receivedAt,
        },
        'provider accepted',
      );
      return { result: 'accepted', provider: sent.provider, providerMessageId: sent.providerMessageId };
    }

    function report(
      route: Route,
      error: ProviderError,
      providerMs: number,
      failover: boolean,
      startedAt: number,
    ): void {
      void ledgerLog(data, {
        provider: route.provider,
        channel: data.channel,
        startedAt,
        finishedAt: startedAt + providerMs,
        result: 'error',
        errorKind: error.kind,
        errorCode: error.code,
      });
      deps.onAttempt?.({
        provider: route.provider,
        channel: data.channel,
        outcome: error.kind,
        durationMs: providerMs,
        failover,
      });
      deps.log.warn(
        {
          ...context,
          attempt,
          provider: route.provider,
          errorKind: error.kind,
          errorCode: error.code,
          providerMs,
          failover,
          reason: error.message,
        },
        'provider attempt failed',
      );
    }

    /** Every route failed for good, or time is up: escalate if a policy applies, else settle the failure. */
    async function giveUp(
      reason: string,
      state: 'failed' | 'expired',
      failure: ProviderError,
    ): Promise<ProcessResult> {
      for (const escalation of deps.escalations ?? []) {
        if (!escalation.appliesTo(data, secrets, failure)) continue;
        // Out of "sending" first: a worker the delivery is handed to must not find it busy.
        await deps.store.markRetrying(
          data.eventId,
          `${reason}; escalating to ${escalation.name}`,
          Date.now(),
        );
        try {
          const result = await escalation.run(data, secrets);
          if (result === 'handed-over') {
            deps.log.info(
              { ...context, attempt, escalation: escalation.name, reason },
              'delivery handed over',
            );
            return { result: 'handed-over', to: escalation.name };
          }
          return accept(result, true, 0, Date.now(), result.provider === 'sendgrid' ? 'email' : data.channel);
        } catch (error) {
          const e = toProviderError(error, escalation.name);
          deps.log.warn(
            { ...context, escalation: escalation.name, errorKind: e.kind, errorCode: e.code },
            'escalation failed',
          );
        }
      }
      await settleFailure(
        deps.store,
        data,
        reason,
        state,
        failure.provider === 'all' ? undefined : failure.provider,
      );
      if (state === 'expired') deps.events?.expiredUndelivered?.({ channel: data.channel });
      deps.log.warn({ ...context, attempt, reason, state }, `send ${state}`);
      return { result: state, reason };
    }
  };
}

type RouteResult =
  | { ok: true; sent: SendResult; ms: number; startedAt: number }
  | { ok: false; error: ProviderError; ms: number; startedAt: number };

async function tryRoute(
  route: Route,
  data: SendJob,
  secrets: SendSecrets,
  attempt: number,
): Promise<RouteResult> {
  const startedAt = Date.now();
  const started = performance.now();
  try {
    const sent = await route.send(data, secrets, attempt);
    return { ok: true, sent, ms: Math.round(performance.now() - started), startedAt };
  } catch (error) {
    return {
      ok: false,
      error: toProviderError(error, route.provider),
      ms: Math.round(performance.now() - started),
      startedAt,
    };
  }
}

/** The failure a delivery gives up with when receipts have ruled out every route of its channel. */
function receiptsExhausted(channel: string, exclusions: RouteExclusions | undefined): ProviderError {
  return new ProviderError({
    kind: 'destination-permanent',
    provider: 'all',
    code: exclusions?.[channel as 'sms' | 'voice']?.closed ? 'receipt-number-bad' : 'receipts-exhausted',
    safeMessage: `every ${channel} route was tried; receipts reported the code undelivered`,
    suggestsVoice: Boolean(exclusions?.suggestsVoice),
  });
}

function toProviderError(error: unknown, provider: string): ProviderError {
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

async function delay(job: Job<SendJob>, token: string | undefined, ms: number): Promise<never> {
  if (!token) throw new Error('cannot reschedule a job without its lock token');
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
