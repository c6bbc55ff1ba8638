import { DEFAULT_TENANT_ID, REQUEST_TYPE_LABEL } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import type { Request, Response } from 'express';
import type { Dispatcher } from '../delivery/dispatcher.ts';
import type { HookLedger } from '../delivery/hook-ledger.ts';
import type { FraudScreen } from '../fraud/screen.ts';
import { answerForDispatch, answerForRejection, fallbackAnswer, type OktaAnswer } from '../okta/answer.ts';
import { type AcceptedHook, isRejection, type ParseSettings, parseHook } from '../okta/parse-hook.ts';
import type { HookTenant } from '../tenants/hook-tenants.ts';
import type { HookUsage } from '../usage/hook-usage.ts';

export interface TelephonyRouteDeps {
  dispatcher: Dispatcher;
  parse: ParseSettings;
  budgetMs: number;
  log: Logger;
  /** The support console's index of answered hooks (optional: tests of the hook path alone leave it out). */
  hookLedger?: HookLedger;
  fraud?: FraudScreen;
  /** Usage counters of the codes the ingress settles itself (blocked, handed back to Okta). */
  usage?: HookUsage;
}

/** POST /v1/okta/telephony[/{tenant}] (tenant found and authenticated): validate, dispatch, answer inside the budget, log one line. */
export function telephonyRoute(deps: TelephonyRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const receivedAt = (res.locals.receivedAt as number | undefined) ?? Date.now();
    const started = (res.locals.startedAt as number | undefined) ?? performance.now();
    const deadline = receivedAt + deps.budgetMs;
    // The tenant the path named and the credential proved (app.ts); `default` for the single-org setup.
    const tenant = res.locals.tenant as HookTenant | undefined;
    const tenantId = tenant?.id ?? DEFAULT_TENANT_ID;

    const parsed = parseHook(req.body, tenant?.parse ?? deps.parse, receivedAt);
    let answer: OktaAnswer;
    let hook: AcceptedHook | undefined;
    // Whether this code ends here, handed back to Okta with nothing queued (counted as usage by the ingress).
    let fellBackHere = false;
    if (isRejection(parsed)) {
      answer = answerForRejection(parsed);
      deps.log.warn(
        {
          tenant: tenantId,
          eventId: parsed.eventId,
          reason: parsed.reason,
          causes: parsed.causes?.map((c) => `${c.location}: ${c.errorSummary}`),
        },
        `hook rejected: ${parsed.reason}`,
      );
    } else {
      hook = parsed;
      try {
        // Fraud controls before anything is enqueued, with the authenticated tenant's policy and counters.
        const screened = deps.fraud
          ? await deps.fraud.screen(tenantId, hook, receivedAt)
          : ({ pass: true } as const);
        if (screened.pass) {
          const result = await deps.dispatcher.dispatch(hook, deadline, receivedAt, tenantId);
          answer = answerForDispatch(result, Math.round(performance.now() - started));
          fellBackHere = result.kind === 'fallback' && result.queued === false;
        } else {
          answer = screened.answer;
          fellBackHere = answer.blockedBy === undefined;
        }
      } catch (error) {
        deps.log.error(
          { tenant: tenantId, eventId: hook.eventId, err: error },
          'dispatch failed unexpectedly',
        );
        answer = fallbackAnswer('internal-error');
        fellBackHere = true;
      }
    }

    // For the hook-answer metrics, counted when the response is finished (see app.ts).
    res.locals.answerLabel = answer.label;
    if (hook) res.locals.requestType = REQUEST_TYPE_LABEL[hook.requestType];
    res.status(answer.httpStatus).json(answer.body);
    if (hook) deps.hookLedger?.record(hook, answer, { receivedAt, answeredAt: Date.now() }, tenantId);
    if (hook && answer.blockedBy) deps.usage?.blocked(tenantId, hook, answer.blockedBy, receivedAt);
    else if (hook && fellBackHere) deps.usage?.fellBack(tenantId, hook, receivedAt);
    // One line per hook; a refused code's line is a warning naming the rule.
    deps.log[answer.blockedBy ? 'warn' : 'info'](
      {
        tenant: tenantId,
        eventId: hook?.eventId ?? (isRejection(parsed) ? parsed.eventId : undefined),
        requestType: hook ? REQUEST_TYPE_LABEL[hook.requestType] : undefined,
        channel: hook?.channel,
        phoneMasked: hook?.phoneMasked,
        phoneKnownValid: hook?.phoneKnownValid,
        preview: hook?.preview,
        answer: answer.label,
        httpStatus: answer.httpStatus,
        provider: answer.result?.provider,
        transactionId: answer.result?.transactionId,
        reason: answer.reason,
        ...(answer.blockedBy ? { rule: answer.blockedBy } : {}),
        elapsedMs: Math.round(performance.now() - started),
      },
      answer.blockedBy ? `hook blocked: ${answer.blockedBy}` : 'hook answered',
    );
  };
}
