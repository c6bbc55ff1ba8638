import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FaultController } from '../faults/fault-controller.ts';
import {
  type FaultRenderers,
  playFaults,
  type Refusal,
  type RequestContext,
  refuse,
} from '../faults/fault-gate.ts';
import { clientGone } from '../lib/abortable.ts';
import type { Logger } from '../lib/logger.ts';
import { maskPhone } from '../lib/mask.ts';
import type { Channel } from '../providers.ts';
import type { RecordStore } from '../store/record-store.ts';
import type { AcceptedRecord } from '../store/records.ts';
import { checkSmsCredentials, checkVoiceJwt, type VonageAccount } from './auth.ts';
import { validateCallRequest } from './call-request.ts';
import {
  injectedProblem,
  SMS_STATUS,
  type SmsRefusal,
  sendProblem,
  smsErrorBody,
  smsStatusText,
  throttledProblem,
  type VoiceProblem,
  validationProblem,
} from './errors.ts';
import { validateSmsRequest } from './sms-request.ts';

export interface VonageRouterOptions {
  account: VonageAccount;
  store: RecordStore;
  faults: FaultController;
  logger: Logger;
  /** Aborted when the simulator shuts down: delayed and hung requests then drop their sockets. */
  shutdown: AbortSignal;
  /** Called with every accepted message or call (status callbacks start here). */
  onAccepted?: (record: AcceptedRecord) => void;
}

/** What the simulated account reports; Vonage sends these as strings. */
export const REMAINING_BALANCE = '10.00000000';
export const MESSAGE_PRICE = '0.00570000';
/** A mobile network code (MCC+MNC) as Vonage reports it. */
export const SIMULATED_NETWORK = '310260';

function smsRefusalAnswer(refusal: SmsRefusal): Refusal {
  return {
    httpStatus: 200,
    errorCode: refusal.status,
    errorMessage: refusal.text,
    send: (res) => {
      res.status(200).json(smsErrorBody(refusal));
    },
  };
}

function problemAnswer(problem: VoiceProblem): Refusal {
  return {
    httpStatus: problem.status,
    errorCode: null,
    errorMessage: problem.detail,
    send: (res) => sendProblem(res, problem),
  };
}

/**
 * SMS API faults. Throttling is Vonage's documented per-message status 1 in an HTTP 200 (plus a Retry-After
 * header, which Vonage does not send, for clients that look). An injected error with an errorCode answers that
 * SMS status in an HTTP 200 (errorCode 5: internal error); without one, the HTTP errorStatus itself, as a
 * failing gateway would.
 */
const SMS_FAULTS: FaultRenderers = {
  throttle: (retryAfterSeconds) => {
    const answer = smsRefusalAnswer({ status: SMS_STATUS.throttled.code, text: SMS_STATUS.throttled.text });
    return {
      ...answer,
      send: (res) => {
        res.set('Retry-After', String(retryAfterSeconds));
        answer.send(res);
      },
    };
  },
  error: (status, code) =>
    code === undefined
      ? problemAnswer(withRetryAfter(injectedProblem(status)))
      : smsRefusalAnswer({ status: code, text: `${smsStatusText(code)} (injected by provider-sim)` }),
};

const VOICE_FAULTS: FaultRenderers = {
  throttle: (retryAfterSeconds) => problemAnswer(throttledProblem(retryAfterSeconds)),
  error: (status) => problemAnswer(withRetryAfter(injectedProblem(status))),
};

function withRetryAfter(problem: VoiceProblem): VoiceProblem {
  return problem.status === 429 ? { ...problem, headers: { 'Retry-After': '1' } } : problem;
}

/** The SMS API's parameters as strings: body (form or JSON, numbers and booleans stringified) over query. */
function smsParams(req: Request): Map<string, string> {
  const params = new Map<string, string>();
  for (const source of [req.query, req.body]) {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) continue;
    for (const [name, value] of Object.entries(source)) {
      if (typeof value === 'string') params.set(name, value);
      else if (typeof value === 'number' || typeof value === 'boolean') params.set(name, String(value));
      else if (Array.isArray(value) && typeof value[0] === 'string') params.set(name, value[0]);
    }
  }
  return params;
}

function callSeen(body: unknown): { to: string | null; from: string | null } {
  const call = (typeof body === 'object' && body !== null ? body : {}) as {
    to?: { number?: unknown }[];
    from?: { number?: unknown };
  };
  const to = Array.isArray(call.to) ? call.to[0]?.number : undefined;
  const from = call.from?.number;
  return { to: typeof to === 'string' ? to : null, from: typeof from === 'string' ? from : null };
}

/**
 * Vonage's SMS API (POST /sms/json, the restHost of @vonage/server-sdk) and Voice API (POST /v1/calls and
 * GET /v1/calls/:uuid, its apiHost), with their own body parsers and error handling so that the router can be
 * mounted at the root of the simulator and on Vonage's dedicated listener.
 */
export function createVonageRouter(options: VonageRouterOptions): Router {
  const { account, store, faults, logger, shutdown } = options;
  const onAccepted = options.onAccepted ?? (() => {});
  const router = express.Router();
  const bodies = [
    express.json({ limit: '64kb' }),
    express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }),
  ];

  function context(channel: Channel, seen: RequestContext['seen']): RequestContext {
    return { provider: 'vonage', channel, seen, store, logger, shutdown };
  }

  router.post('/sms/json', ...bodies, async (req: Request, res: Response) => {
    const params = smsParams(req);
    const ctx = context('sms', { to: params.get('to') ?? null, from: params.get('from') ?? null });
    const decision = faults.decide('vonage');
    if ((await playFaults(ctx, decision, res, SMS_FAULTS)) === 'answered') return;

    const authError = checkSmsCredentials(req.get('authorization'), params, account);
    if (authError) {
      refuse(ctx, res, smsRefusalAnswer(authError), 'rejected');
      return;
    }
    const result = validateSmsRequest(params);
    if (!result.ok) {
      refuse(ctx, res, smsRefusalAnswer(result.refusal), 'rejected');
      return;
    }
    const sms = result.value;
    if (decision.invalidNumber) {
      const refusal = {
        status: SMS_STATUS.invalidParams.code,
        text: `Invalid to param: ${sms.to} is not a valid phone number`,
      };
      refuse(ctx, res, smsRefusalAnswer(refusal), 'faulted', 'invalid-number');
      return;
    }

    // One message (and message-id) per segment, as Vonage answers for concatenated SMS.
    const ids = Array.from({ length: sms.segments.segments }, () => randomUUID());
    const record = store.addAccepted({
      provider: 'vonage',
      channel: 'sms',
      sid: ids[0] ?? randomUUID(),
      accountSid: account.apiKey,
      to: sms.to,
      from: sms.from,
      status: 'accepted',
      body: sms.text,
      numSegments: sms.segments.segments,
      messageParts: ids,
      smsType: sms.type,
      ...(sms.ttlMs === undefined ? {} : { ttlMs: sms.ttlMs }),
      ...(sms.clientRef === undefined ? {} : { clientRef: sms.clientRef }),
      ...(sms.callback === undefined ? {} : { statusCallback: sms.callback, statusCallbackMethod: 'POST' }),
      ...(sms.warnings.length === 0 ? {} : { warnings: sms.warnings }),
    });
    logger.info('vonage request accepted', {
      channel: 'sms',
      outcome: 'accepted',
      sid: record.sid,
      to: maskPhone(record.to),
      ...(sms.warnings.length === 0 ? {} : { warnings: sms.warnings.length }),
    });
    onAccepted(record);
    if (clientGone(res)) return;
    res.status(200).json({
      'message-count': String(ids.length),
      messages: ids.map((id) => ({
        to: sms.to,
        'message-id': id,
        status: '0',
        'remaining-balance': REMAINING_BALANCE,
        'message-price': MESSAGE_PRICE,
        network: SIMULATED_NETWORK,
        ...(sms.clientRef === undefined ? {} : { 'client-ref': sms.clientRef }),
      })),
    });
  });

  router.post('/v1/calls', express.json({ limit: '64kb' }), async (req: Request, res: Response) => {
    const ctx = context('voice', callSeen(req.body));
    const decision = faults.decide('vonage');
    if ((await playFaults(ctx, decision, res, VOICE_FAULTS)) === 'answered') return;

    const authProblem = await checkVoiceJwt(req.get('authorization'), account);
    if (authProblem) {
      refuse(ctx, res, problemAnswer(authProblem), 'rejected');
      return;
    }
    if (!req.is('application/json')) {
      const problem = validationProblem([
        { name: 'body', reason: 'must be JSON (Content-Type: application/json)' },
      ]);
      refuse(ctx, res, problemAnswer(problem), 'rejected');
      return;
    }
    const result = validateCallRequest(req.body);
    if (!result.ok) {
      refuse(ctx, res, problemAnswer(result.problem), 'rejected');
      return;
    }
    const call = result.value;
    if (decision.invalidNumber) {
      const problem = validationProblem([
        { name: 'to[0].number', reason: `${call.to} is not a valid phone number` },
      ]);
      refuse(ctx, res, problemAnswer(problem), 'faulted', 'invalid-number');
      return;
    }

    const uuid = randomUUID();
    const conversationUuid = `CON-${randomUUID()}`;
    const record = store.addAccepted({
      provider: 'vonage',
      channel: 'voice',
      sid: uuid,
      accountSid: account.applicationId,
      to: call.to,
      from: call.from,
      status: 'started',
      ...(call.speech ? { speech: call.speech } : {}),
      ...(call.answerUrl === undefined ? {} : { url: call.answerUrl }),
      timeout: call.ringingTimer,
      lengthTimer: call.lengthTimer,
      conversationUuid,
      ...(call.eventUrl === undefined
        ? {}
        : { statusCallback: call.eventUrl, statusCallbackMethod: call.eventMethod }),
    });
    logger.info('vonage request accepted', {
      channel: 'voice',
      outcome: 'accepted',
      sid: record.sid,
      to: maskPhone(record.to),
    });
    onAccepted(record);
    if (!clientGone(res)) {
      res
        .status(201)
        .json({ uuid, status: 'started', direction: 'outbound', conversation_uuid: conversationUuid });
    }
  });

  router.get('/v1/calls/:uuid', async (req: Request, res: Response) => {
    const authProblem = await checkVoiceJwt(req.get('authorization'), account);
    if (authProblem) {
      sendProblem(res, authProblem);
      return;
    }
    const record = store.findBySid(String(req.params.uuid));
    if (record?.provider !== 'vonage' || record.channel !== 'voice') {
      sendProblem(res, {
        status: 404,
        type: 'https://developer.nexmo.com/api-errors#not-found',
        title: 'Not Found',
        detail: `Call ${String(req.params.uuid)} was not found`,
      });
      return;
    }
    res.json(callResource(record));
  });

  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = httpStatusOf(error);
    const message = error instanceof Error ? error.message : 'unreadable request';
    if (status === undefined || status >= 500)
      logger.error('vonage handler failed', { path: req.path, error: String(error) });
    if (req.path === '/sms/json') {
      // The SMS API answers everything in an HTTP 200.
      const refusal =
        status !== undefined && status < 500
          ? {
              status: SMS_STATUS.invalidParams.code,
              text: `Invalid params: could not read the request body: ${message}`,
            }
          : { status: SMS_STATUS.internalError.code, text: SMS_STATUS.internalError.text };
      res.status(200).json(smsErrorBody(refusal));
      return;
    }
    if (status !== undefined && status < 500) {
      sendProblem(
        res,
        validationProblem([{ name: 'body', reason: `could not read the request body: ${message}` }]),
      );
      return;
    }
    sendProblem(res, injectedProblem(500));
  });

  return router;
}

/** GET /v1/calls/:uuid, the fields a client reads. */
function callResource(record: AcceptedRecord): Record<string, unknown> {
  return {
    uuid: record.sid,
    conversation_uuid: record.conversationUuid,
    to: { type: 'phone', number: record.to },
    from: { type: 'phone', number: record.from },
    status: record.status,
    direction: 'outbound',
    start_time: new Date(record.receivedAt).toISOString(),
    network: SIMULATED_NETWORK,
  };
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}
