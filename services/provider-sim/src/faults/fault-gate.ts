import type { Response } from 'express';
import { clientGone, holdOpen, sleep } from '../lib/abortable.ts';
import type { Logger } from '../lib/logger.ts';
import { maskAddress } from '../lib/mask.ts';
import type { Channel, ProviderName } from '../providers.ts';
import type { RecordStore } from '../store/record-store.ts';
import type { RejectedRecord } from '../store/records.ts';
import type { FaultDecision } from './fault-controller.ts';

/** A refusal ready to go on the wire, with what the store records about it. */
export interface Refusal {
  /** The HTTP status sent (Vonage SMS: 200, its refusals travel in the body). */
  httpStatus: number;
  /** The provider's error code, when it has one (Twilio code, Vonage SMS status). */
  errorCode: number | null;
  errorMessage: string;
  send(res: Response): void;
}

/** Who is asking and what the request looked like, for records and logs. */
export interface RequestContext {
  provider: ProviderName;
  channel: Channel;
  seen: { to: string | null; from: string | null };
  store: RecordStore;
  logger: Logger;
  shutdown: AbortSignal;
}

/** How a provider renders the injected throttle and error faults on its wire. */
export interface FaultRenderers {
  throttle(retryAfterSeconds: number): Refusal;
  error(status: number, code: number | undefined): Refusal;
}

/** Records a refused request, logs it (masked), and answers unless the client already gave up. */
export function refuse(
  ctx: RequestContext,
  res: Response,
  refusal: Refusal,
  outcome: RejectedRecord['outcome'],
  fault?: RejectedRecord['fault'],
): void {
  ctx.store.addRejected({
    provider: ctx.provider,
    channel: ctx.channel,
    outcome,
    ...ctx.seen,
    httpStatus: refusal.httpStatus,
    errorCode: refusal.errorCode,
    errorMessage: refusal.errorMessage,
    ...(fault ? { fault } : {}),
  });
  ctx.logger.info(`${ctx.provider} request refused`, {
    channel: ctx.channel,
    outcome,
    ...(fault ? { fault } : {}),
    status: refusal.httpStatus,
    code: refusal.errorCode,
    to: maskAddress(ctx.seen.to),
  });
  if (!clientGone(res)) refusal.send(res);
}

/**
 * Plays the injected faults of one request, before the provider looks at it: latency, then hang, throttle or
 * error. Returns 'proceed' when the request should be handled normally (the caller still applies
 * decision.invalidNumber after validation), 'answered' when a fault answered (or the simulator shut down).
 */
export async function playFaults(
  ctx: RequestContext,
  decision: FaultDecision,
  res: Response,
  renderers: FaultRenderers,
): Promise<'proceed' | 'answered'> {
  if ((await sleep(decision.latencyMs, ctx.shutdown)) === 'aborted') {
    res.socket?.destroy();
    return 'answered';
  }
  const action = decision.action;
  switch (action.kind) {
    case 'none':
      return 'proceed';
    case 'hang':
      ctx.store.addRejected({
        provider: ctx.provider,
        channel: ctx.channel,
        outcome: 'faulted',
        fault: 'hang',
        ...ctx.seen,
        httpStatus: null,
        errorCode: null,
        errorMessage: 'held open without an answer (hangRate)',
      });
      ctx.logger.info(`${ctx.provider} request held open`, {
        channel: ctx.channel,
        fault: 'hang',
        to: maskAddress(ctx.seen.to),
      });
      if (!clientGone(res)) await holdOpen(res, ctx.shutdown);
      return 'answered';
    case 'throttle':
      refuse(ctx, res, renderers.throttle(action.retryAfterSeconds), 'faulted', 'throttle');
      return 'answered';
    case 'error':
      refuse(ctx, res, renderers.error(action.status, action.code), 'faulted', 'error');
      return 'answered';
  }
}
