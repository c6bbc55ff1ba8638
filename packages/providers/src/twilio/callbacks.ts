import { PROVIDER_ID_PATTERN, type StatusEvent } from '@byot/contracts';
// Only the webhook validator: the whole SDK would cost the ingress ~30 MB of memory for one HMAC check.
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import {
  type CallbackEndpoint,
  type CallbackRequest,
  isPlainObject,
  MalformedCallback,
  occurredAt,
  refused,
  STATUS_PATTERN,
  str,
  VERIFIED,
} from '../callbacks.ts';
import { normaliseTwilioCallStatus, normaliseTwilioMessageStatus } from './statuses.ts';

/** Where Twilio posts message status callbacks and call progress events (relative to PUBLIC_BASE_URL). */
export const TWILIO_CALLBACK_PATHS = {
  sms: '/v1/callbacks/twilio/messages',
  voice: '/v1/callbacks/twilio/calls',
} as const;

/** Both are needed: Twilio signs the exact public URL it calls. Without them the routes answer 404. */
export interface TwilioCallbackSettings {
  authToken: string;
  publicBaseUrl: string;
}

/**
 * Twilio status callbacks (messages and calls): form-encoded POSTs signed with X-Twilio-Signature over the exact
 * URL Twilio called plus every parameter. The URL is rebuilt from PUBLIC_BASE_URL and the request's original
 * path and query, never from the Host header (a proxy may rewrite it, a caller may forge it).
 */
export function twilioCallbacks(settings: TwilioCallbackSettings | undefined): CallbackEndpoint[] {
  return (['sms', 'voice'] as const).map((channel): CallbackEndpoint => {
    const path = TWILIO_CALLBACK_PATHS[channel];
    if (settings === undefined) return { configured: false, provider: 'twilio', path };
    return {
      configured: true,
      provider: 'twilio',
      path,
      body: 'form',
      verify: (request) => {
        const signature = request.header('x-twilio-signature');
        if (!signature) return refused('no X-Twilio-Signature');
        const params = isPlainObject(request.body) ? request.body : {};
        const url = settings.publicBaseUrl + request.originalUrl;
        if (!validateRequest(settings.authToken, signature, url, params)) {
          return refused('X-Twilio-Signature does not match');
        }
        if (!request.isForm) throw new MalformedCallback('not form-encoded');
        return VERIFIED;
      },
      parse: (request: CallbackRequest) => ({
        events: [
          parseTwilioCallback(channel, isPlainObject(request.body) ? request.body : {}, request.receivedAt),
        ],
      }),
    };
  });
}

/** A verified Twilio callback as a StatusEvent: ids, status, error code, timing; never From/To or bodies. */
export function parseTwilioCallback(
  channel: 'sms' | 'voice',
  params: Record<string, unknown>,
  receivedAt: number,
): StatusEvent {
  const messages = channel === 'sms';
  const sid = messages ? (str(params, 'MessageSid') ?? str(params, 'SmsSid')) : str(params, 'CallSid');
  const raw = messages
    ? (str(params, 'MessageStatus') ?? str(params, 'SmsStatus'))
    : str(params, 'CallStatus');
  if (sid === undefined || !PROVIDER_ID_PATTERN.test(sid)) {
    throw new MalformedCallback(messages ? 'no valid MessageSid' : 'no valid CallSid');
  }
  if (raw === undefined || !STATUS_PATTERN.test(raw)) {
    throw new MalformedCallback(messages ? 'no valid MessageStatus' : 'no valid CallStatus');
  }
  const rawStatus = raw.toLowerCase();
  const errorCode = str(params, 'ErrorCode');
  const sequenceText = str(params, 'SequenceNumber');
  const sequence =
    sequenceText !== undefined && /^\d{1,9}$/.test(sequenceText) ? Number(sequenceText) : undefined;
  // Messages carry no timestamp of Twilio's (RawDlrDoneDate is the carrier's, minute-grained, zone unknown).
  const timestamp = messages ? undefined : str(params, 'Timestamp');
  return {
    version: 1,
    provider: 'twilio',
    channel,
    providerMessageId: sid,
    status: messages ? normaliseTwilioMessageStatus(rawStatus) : normaliseTwilioCallStatus(rawStatus),
    rawStatus,
    ...(errorCode !== undefined && /^\d{1,10}$/.test(errorCode) ? { errorCode } : {}),
    occurredAt: occurredAt(timestamp === undefined ? undefined : Date.parse(timestamp), receivedAt),
    receivedAt,
    ...(sequence === undefined ? {} : { sequence }),
  };
}
