import {
  deliveryIdFor,
  type OktaActionResult,
  oktaCommands,
  oktaError,
  outcomeToOktaResult,
} from '@byot/contracts';
import type { DispatchResult } from '../delivery/dispatcher.ts';
import type { HookRejection } from './parse-hook.ts';

/** An HTTP answer to Okta, plus the bounded label we log and count it under. */
export interface OktaAnswer {
  httpStatus: number;
  body: unknown;
  /** SUCCESSFUL | PENDING | FAILED | FALLBACK | ERROR */
  label: string;
  result?: OktaActionResult;
  /** Why it is not a success (a refusal, a failure, a fallback), for the hook's log line. */
  reason?: string;
  /** Set when the fraud controls refused the code: the rule (country, per-number, hold-prefix, …). */
  blockedBy?: string;
}

/**
 * A code the fraud controls refused: 200 FAILED, Okta's documented "unable to deliver" (never a non-200, which
 * makes Okta send the code itself), with a neutral note naming the rule and never the number.
 */
export function answerForBlock(eventId: string, rule: string, description: string): OktaAnswer {
  const result: OktaActionResult = {
    status: 'FAILED',
    transactionId: deliveryIdFor(eventId),
    transactionMetadata: description,
  };
  return {
    httpStatus: 200,
    body: oktaCommands(result),
    label: 'FAILED',
    result,
    reason: `blocked:${rule}`,
    blockedBy: rule,
  };
}

export function answerForRejection(rejection: HookRejection): OktaAnswer {
  if (rejection.answer === 'failed') {
    const result: OktaActionResult = {
      status: 'FAILED',
      ...(rejection.eventId ? { transactionId: deliveryIdFor(rejection.eventId) } : {}),
      transactionMetadata: `${rejection.reason}: ${rejection.summary}`,
    };
    return { httpStatus: 200, body: oktaCommands(result), label: 'FAILED', result, reason: rejection.reason };
  }
  return {
    httpStatus: 400,
    body: oktaError(rejection.summary, rejection.causes),
    label: 'ERROR',
    reason: rejection.reason,
  };
}

/**
 * Okta falls back to its own providers on any non-200 answer. We answer 503 (not 200 with an error object, which
 * older Okta versions treated as "deliver nothing") so the person still gets a code.
 */
export function fallbackAnswer(reason: string): OktaAnswer {
  return {
    httpStatus: 503,
    body: oktaError('byot cannot take this message now; Okta should deliver it', [
      { errorSummary: reason, reason },
    ]),
    label: 'FALLBACK',
    reason,
  };
}

export function answerForDispatch(result: DispatchResult, elapsedMs: number): OktaAnswer {
  if (result.kind === 'fallback') return fallbackAnswer(result.reason);
  const action = outcomeToOktaResult(
    result.kind === 'settled' ? result.outcome : undefined,
    result.deliveryId,
    elapsedMs,
  );
  if (!action) return fallbackAnswer('fallback');
  const failure =
    result.kind === 'settled' && result.outcome.kind === 'failed' ? result.outcome.reason : undefined;
  return {
    httpStatus: 200,
    body: oktaCommands(action),
    label: action.status,
    result: action,
    ...(failure === undefined ? {} : { reason: failure }),
  };
}
