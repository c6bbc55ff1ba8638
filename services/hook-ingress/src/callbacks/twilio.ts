import {
  CALLBACK_PATHS,
  normaliseTwilioCallStatus,
  normaliseTwilioMessageStatus,
  type StatusEvent,
} from '@byot/contracts';
import express, { type Request, type Response, type Router } from 'express';
// Only the webhook validator: the whole SDK would cost the ingress ~30 MB of memory for one HMAC check.
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import {
  accept,
  type CallbackDeps,
  callbackErrorHandler,
  ID_PATTERN,
  isPlainObject,
  MalformedCallback,
  malformed,
  notConfigured,
  occurredAt,
  refuse,
  STATUS_PATTERN,
  str,
} from './common.ts';

export type TwilioCallbackKind = 'messages' | 'calls';

/**
 * Twilio status callbacks (messages and calls): form-encoded POSTs signed with X-Twilio-Signature over the exact
 * URL Twilio called plus every parameter. The URL is rebuilt from PUBLIC_BASE_URL and the request's original
 * path and query, never from the Host header (a proxy may rewrite it, a caller may forge it).
 */
export function twilioCallbacksRouter(deps: CallbackDeps): Router {
  const router = express.Router();
  const twilioConfig = deps.twilio;
  for (const kind of ['messages', 'calls'] as const) {
    const path = kind === 'messages' ? CALLBACK_PATHS.twilioMessages : CALLBACK_PATHS.twilioCalls;
    if (twilioConfig === undefined) {
      router.post(path, notConfigured('Twilio'));
      continue;
    }
    router.post(
      path,
      express.urlencoded({
        extended: false,
        limit: deps.maxBodyBytes,
        parameterLimit: 100,
        type: 'application/x-www-form-urlencoded',
      }),
      async (req: Request, res: Response) => {
        const receivedAt = (deps.now ?? Date.now)();
        const signature = req.get('x-twilio-signature');
        const params: Record<string, unknown> = isPlainObject(req.body) ? req.body : {};
        const url = twilioConfig.publicBaseUrl + req.originalUrl;
        if (!signature) return refuse(res, deps.log, 'twilio', 'no X-Twilio-Signature');
        if (!validateRequest(twilioConfig.authToken, signature, url, params)) {
          return refuse(res, deps.log, 'twilio', 'X-Twilio-Signature does not match');
        }
        if (!req.is('application/x-www-form-urlencoded')) {
          return malformed(res, deps.log, 'twilio', 'not form-encoded');
        }
        let event: StatusEvent;
        try {
          event = normaliseTwilio(kind, params, receivedAt);
        } catch (error) {
          if (error instanceof MalformedCallback) return malformed(res, deps.log, 'twilio', error.message);
          throw error;
        }
        await accept(res, deps, 'twilio', [event]);
      },
    );
  }
  router.use([CALLBACK_PATHS.twilioMessages, CALLBACK_PATHS.twilioCalls], callbackErrorHandler(deps.log));
  return router;
}

/** A verified Twilio callback as a StatusEvent: ids, status, error code, timing; never From/To or bodies. */
export function normaliseTwilio(
  kind: TwilioCallbackKind,
  params: Record<string, unknown>,
  receivedAt: number,
): StatusEvent {
  const sid =
    kind === 'messages' ? (str(params, 'MessageSid') ?? str(params, 'SmsSid')) : str(params, 'CallSid');
  const raw =
    kind === 'messages'
      ? (str(params, 'MessageStatus') ?? str(params, 'SmsStatus'))
      : str(params, 'CallStatus');
  if (sid === undefined || !ID_PATTERN.test(sid)) {
    throw new MalformedCallback(kind === 'messages' ? 'no valid MessageSid' : 'no valid CallSid');
  }
  if (raw === undefined || !STATUS_PATTERN.test(raw)) {
    throw new MalformedCallback(kind === 'messages' ? 'no valid MessageStatus' : 'no valid CallStatus');
  }
  const rawStatus = raw.toLowerCase();
  const errorCode = str(params, 'ErrorCode');
  const sequenceText = str(params, 'SequenceNumber');
  const sequence =
    sequenceText !== undefined && /^\d{1,9}$/.test(sequenceText) ? Number(sequenceText) : undefined;
  // Messages carry no timestamp of Twilio's (RawDlrDoneDate is the carrier's, minute-grained, zone unknown).
  const timestamp = kind === 'calls' ? str(params, 'Timestamp') : undefined;
  return {
    version: 1,
    provider: 'twilio',
    channel: kind === 'messages' ? 'sms' : 'voice',
    providerMessageId: sid,
    status:
      kind === 'messages' ? normaliseTwilioMessageStatus(rawStatus) : normaliseTwilioCallStatus(rawStatus),
    rawStatus,
    ...(errorCode !== undefined && /^\d{1,10}$/.test(errorCode) ? { errorCode } : {}),
    occurredAt: occurredAt(timestamp === undefined ? undefined : Date.parse(timestamp), receivedAt),
    receivedAt,
    ...(sequence === undefined ? {} : { sequence }),
  };
}
