/**
 * What a send job goes through, read top to bottom. One BullMQ job is one delivery of one code; each run of it:
 *
 *   1. admit        may this run send at all? (the delivery record decides, atomically: not settled, not being
 *                   sent by another worker, enough of the code's life left) — admit.ts
 *   2. route pass   one pass over the channel's routes in the operator's order, steered by the shared
 *                   breakers, failing over at once when a provider is down — route-pass.ts
 *   3. then one of  settle      a provider accepted: record it, tell the waiting hook — settle.ts
 *                   escalate    no route can ever deliver it (or time is up): e-mail, the voice queue, or failed
 *                   reschedule  nothing took it yet: come back later (moveToDelayed), never past the code's use
 *
 * The run schedules its own next run, so the code's expiry, not an attempt count, ends the chain (ADR 0003, 0006).
 */
import type { SendJob } from '@byot/contracts';
import { ProviderError } from '@byot/providers';
import { DelayedError, type Job } from 'bullmq';
import type { RouteExclusions } from '../records/delivery-record.ts';
import { decideRetry } from '../retry-policy.ts';
import { admit } from './admit.ts';
import { routePass } from './route-pass.ts';
import type { SendProcessorDeps } from './run.ts';
import { escalateOrFail, reschedule, settleAccepted } from './settle.ts';
import type { ProcessResult } from './shapes.ts';

export type { SendProcessorDeps } from './run.ts';

export function createSendProcessor(deps: SendProcessorDeps) {
  if (!deps.routing && (deps.routes ?? []).length === 0) {
    throw new Error('a send processor needs at least one route (or per-tenant routing)');
  }

  return async (job: Job<SendJob>, token?: string): Promise<ProcessResult> => {
    const admission = await admit(deps, job);
    if (admission.kind === 'done') return admission.result;
    if (admission.kind === 'wait') return delay(job, token, admission.retryInMs);
    const { run } = admission;

    if (run.routes.length === 0) {
      const reason = `every ${run.job.channel} route was tried; receipts reported it undelivered`;
      return escalateOrFail(deps, run, {
        reason,
        state: 'failed',
        failure: receiptsExhausted(run.job.channel, run.exclusions),
      });
    }

    const pass = await routePass(deps, run);
    if (pass.outcome === 'accepted') return settleAccepted(deps, run, pass.acceptance);
    if (pass.outcome === 'permanent') {
      return escalateOrFail(deps, run, { reason: pass.error.message, state: 'failed', failure: pass.error });
    }

    const next = decideRetry(pass.failure, run.attempt, run.job.otpExpiresAt, deps.retry, {
      ...(pass.afterMs === undefined ? {} : { retryAfterMs: pass.afterMs }),
    });
    if (next.action === 'stop') {
      return escalateOrFail(deps, run, { reason: next.reason, state: next.state, failure: pass.failure });
    }
    await reschedule(deps, run, pass.failure, next.delayMs);
    return delay(job, token, next.delayMs);
  };
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

/** Hands the job back to BullMQ for a later run (it keeps its id, so nothing else can take its place). */
async function delay(job: Job<SendJob>, token: string | undefined, ms: number): Promise<never> {
  if (!token) throw new Error('cannot reschedule a job without its lock token');
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}
