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

/** What the hook's earlier steps established: the parsed body, the tenant, and when the hook arrived. */
export interface HookRequest {
  body: unknown;
  /** The tenant the path named and the credential proved (app.ts); absent: `default` with `deps.parse`. */
  tenant: HookTenant | undefined;
  /** Date.now() and performance.now() when the hook arrived: the budget is Okta's, not ours. */
  receivedAt: number;
  startedAt: number;
}

/**
 * Sends the answer: status and JSON body; `requestType` (the metrics label) is set when the hook was parsed.
 * Called once, before the ledger, usage and log line that follow the answer.
 */
export type SendHookAnswer = (answer: OktaAnswer, requestType: string | undefined) => void;

/**
 * POST /v1/okta/telephony[/{tenant}] (tenant found and authenticated): validate, dispatch, answer inside the
 * budget, log one line. The same steps behind Express (telephonyRoute) and on plain node:http (hook-route.ts).
 */
export function hookAnswerer(deps: TelephonyRouteDeps) {
  return async (request: HookRequest, send: SendHookAnswer): Promise<void> => {
    const { receivedAt, startedAt: started, tenant } = request;
    const deadline = receivedAt + deps.budgetMs;
    const tenantId = tenant?.id ?? DEFAULT_TENANT_ID;

    const parsed = parseHook(request.body, tenant?.parse ?? deps.parse, receivedAt);
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

    send(answer, hook ? REQUEST_TYPE_LABEL[hook.requestType] : undefined);
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

/** The Express handler of the hook (the route of the release before; still serves paths the plain route leaves). */
export function telephonyRoute(deps: TelephonyRouteDeps) {
  const answerHook = hookAnswerer(deps);
  return (req: Request, res: Response): Promise<void> =>
    answerHook(
      {
        body: req.body,
        tenant: res.locals.tenant as HookTenant | undefined,
        receivedAt: (res.locals.receivedAt as number | undefined) ?? Date.now(),
        startedAt: (res.locals.startedAt as number | undefined) ?? performance.now(),
      },
      (answer, requestType) => {
        // For the hook-answer metrics, counted when the response is finished (see app.ts).
        res.locals.answerLabel = answer.label;
        if (requestType !== undefined) res.locals.requestType = requestType;
        res.status(answer.httpStatus).json(answer.body);
      },
    );
}
