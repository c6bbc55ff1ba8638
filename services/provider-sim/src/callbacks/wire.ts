import { randomBytes, randomUUID } from 'node:crypto';
import { toRfc2822 } from '../lib/time.ts';
import type { AcceptedRecord } from '../store/records.ts';
import type { VonageAccount } from '../vonage/auth.ts';
import { MESSAGE_PRICE, SIMULATED_NETWORK } from '../vonage/router.ts';
import type { LifecycleStep } from './lifecycle.ts';
import {
  type SendGridEventKey,
  sendGridSignature,
  twilioSignature,
  vonageSmsSignature,
  vonageWebhookJwt,
} from './signing.ts';

/** One HTTP request to a client's webhook, ready to send. */
export interface CallbackRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** What was sent (form parameters or JSON), for the callback log. */
  payload: unknown;
  /** Vonage SMS: the message part this receipt is for. */
  part?: string;
}

export interface WireContext {
  /** Each Twilio account signs its own resources' callbacks with its own auth token. */
  twilio: { authTokenOf(accountSid: string): string };
  vonage: VonageAccount;
  sendgridKey: SendGridEventKey;
  /** Where SendGrid events go; undefined: nowhere. */
  sendgridEventUrl: string | undefined;
  nowMs: number;
  /** Same for every copy of one report (duplicates share it, as Twilio's retries do). */
  idempotencyToken: string;
}

/** Seconds a simulated call lasts once answered: about two words a second of its speech, at least 3. */
export function callDurationSeconds(record: AcceptedRecord): number {
  const words = record.speech?.text.split(/\s+/).filter(Boolean).length ?? 0;
  return Math.max(3, Math.ceil(words / 2));
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "YYMMDDhhmm" in UTC: Twilio's RawDlrDoneDate and Vonage's scts. */
function yymmddhhmm(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

/** "YYYY-MM-DD hh:mm:ss" in UTC: Vonage's message-timestamp. */
function vonageTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function withQuery(url: string, params: readonly (readonly [string, string])[]): string {
  const query = new URLSearchParams(params.map(([k, v]): [string, string] => [k, v])).toString();
  return query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** The requests that report `step` of `record`, signed as its provider signs them (none without a URL). */
export async function buildRequests(
  record: AcceptedRecord,
  step: LifecycleStep,
  ctx: WireContext,
): Promise<CallbackRequest[]> {
  switch (`${record.provider}.${record.channel}`) {
    case 'twilio.sms':
      return record.statusCallback === undefined
        ? []
        : [twilioRequest(record, record.statusCallback, 'POST', twilioMessageParams(record, step, ctx), ctx)];
    case 'twilio.voice':
      return record.statusCallback === undefined
        ? []
        : [
            twilioRequest(
              record,
              record.statusCallback,
              record.statusCallbackMethod === 'GET' ? 'GET' : 'POST',
              twilioCallParams(record, step, ctx),
              ctx,
            ),
          ];
    case 'vonage.sms':
      return record.statusCallback === undefined
        ? []
        : vonageReceipts(record.statusCallback, record, step, ctx);
    case 'vonage.voice':
      return record.statusCallback === undefined
        ? []
        : [await vonageEvent(record.statusCallback, record, step, ctx)];
    case 'sendgrid.email':
      return ctx.sendgridEventUrl === undefined
        ? []
        : [sendGridEvents(ctx.sendgridEventUrl, record, step, ctx)];
    default:
      return [];
  }
}

function twilioMessageParams(
  record: AcceptedRecord,
  step: LifecycleStep,
  ctx: WireContext,
): [string, string][] {
  const params: [string, string][] = [
    ['AccountSid', record.accountSid],
    ['ApiVersion', '2010-04-01'],
    ['MessageSid', record.sid],
    ['MessageStatus', step.status],
    ['SmsSid', record.sid],
    ['SmsStatus', step.status],
    ['To', record.to],
  ];
  if (record.from !== null) params.push(['From', record.from]);
  if (record.messagingServiceSid) params.push(['MessagingServiceSid', record.messagingServiceSid]);
  if (step.errorCode !== undefined) params.push(['ErrorCode', String(step.errorCode)]);
  if (step.status === 'delivered' || step.status === 'undelivered')
    params.push(['RawDlrDoneDate', yymmddhhmm(ctx.nowMs)]);
  return params;
}

function twilioCallParams(record: AcceptedRecord, step: LifecycleStep, ctx: WireContext): [string, string][] {
  const from = record.from ?? '';
  const params: [string, string][] = [
    ['AccountSid', record.accountSid],
    ['ApiVersion', '2010-04-01'],
    ['CallSid', record.sid],
    ['CallStatus', step.status],
    ['CallbackSource', 'call-progress-events'],
    ['Called', record.to],
    ['Caller', from],
    ['Direction', 'outbound-api'],
    ['From', from],
    ['SequenceNumber', String(step.sequence)],
    ['Timestamp', toRfc2822(ctx.nowMs)],
    ['To', record.to],
  ];
  if (step.twilioEvent === 'completed') {
    params.push(['CallDuration', String(step.status === 'completed' ? callDurationSeconds(record) : 0)]);
  }
  return params;
}

function twilioRequest(
  record: AcceptedRecord,
  url: string,
  method: 'GET' | 'POST',
  params: [string, string][],
  ctx: WireContext,
): CallbackRequest {
  const headers: Record<string, string> = {
    'User-Agent': 'TwilioProxy/1.1',
    'I-Twilio-Idempotency-Token': ctx.idempotencyToken,
  };
  if (method === 'GET') {
    const full = withQuery(url, params);
    headers['X-Twilio-Signature'] = twilioSignature(ctx.twilio.authTokenOf(record.accountSid), full, []);
    return { url: full, method, headers, payload: Object.fromEntries(params) };
  }
  headers['Content-Type'] = 'application/x-www-form-urlencoded';
  headers['X-Twilio-Signature'] = twilioSignature(ctx.twilio.authTokenOf(record.accountSid), url, params);
  return {
    url,
    method,
    headers,
    body: new URLSearchParams(params).toString(),
    payload: Object.fromEntries(params),
  };
}

/** One delivery receipt per message part (Vonage reports each part of a concatenated SMS). POST JSON. */
function vonageReceipts(
  url: string,
  record: AcceptedRecord,
  step: LifecycleStep,
  ctx: WireContext,
): CallbackRequest[] {
  const parts = record.messageParts?.length ? record.messageParts : [record.sid];
  return parts.map((part) => {
    const params: Record<string, string> = {
      msisdn: record.to,
      to: record.from ?? '',
      'network-code': SIMULATED_NETWORK,
      messageId: part,
      price: MESSAGE_PRICE,
      status: step.status,
      scts: yymmddhhmm(ctx.nowMs),
      'err-code': String(step.errorCode ?? 0),
      'api-key': record.accountSid,
      'message-timestamp': vonageTimestamp(ctx.nowMs),
      ...(record.clientRef === undefined ? {} : { 'client-ref': record.clientRef }),
    };
    const secret = ctx.vonage.signatureSecret;
    if (secret !== null) {
      params.timestamp = String(Math.floor(ctx.nowMs / 1000));
      params.nonce = randomUUID();
      params.sig = vonageSmsSignature(secret, params);
    }
    const body = JSON.stringify(params);
    return {
      url,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      payload: params,
      part,
    };
  });
}

/** A voice event, POST JSON (or GET with query parameters for event_method GET), JWT-signed when configured. */
async function vonageEvent(
  url: string,
  record: AcceptedRecord,
  step: LifecycleStep,
  ctx: WireContext,
): Promise<CallbackRequest> {
  const event: Record<string, string> = {
    from: record.from ?? '',
    to: record.to,
    uuid: record.sid,
    conversation_uuid: record.conversationUuid ?? '',
    status: step.status,
    direction: 'outbound',
    timestamp: new Date(ctx.nowMs).toISOString(),
  };
  if (step.status === 'completed') {
    const duration = callDurationSeconds(record);
    Object.assign(event, {
      start_time: new Date(ctx.nowMs - duration * 1000).toISOString(),
      end_time: new Date(ctx.nowMs).toISOString(),
      duration: String(duration),
      rate: '0.01400000',
      price: (0.014 * Math.ceil(duration / 60)).toFixed(8),
      network: SIMULATED_NETWORK,
    });
  }
  const body = JSON.stringify(event);
  const headers: Record<string, string> = {};
  const secret = ctx.vonage.signatureSecret;
  if (secret !== null) {
    headers.Authorization = `Bearer ${await vonageWebhookJwt(secret, {
      apiKey: ctx.vonage.apiKey,
      applicationId: ctx.vonage.applicationId,
      body,
      nowMs: ctx.nowMs,
    })}`;
  }
  if (record.statusCallbackMethod === 'GET') {
    return { url: withQuery(url, Object.entries(event)), method: 'GET', headers, payload: event };
  }
  headers['Content-Type'] = 'application/json';
  return { url, method: 'POST', headers, body, payload: event };
}

/** A batch of SendGrid events (one per recipient), ECDSA-signed over timestamp + raw body. */
function sendGridEvents(
  url: string,
  record: AcceptedRecord,
  step: LifecycleStep,
  ctx: WireContext,
): CallbackRequest {
  const timestamp = Math.floor(ctx.nowMs / 1000);
  const recipients = record.recipients?.length ? record.recipients : [record.to];
  const events = recipients.map((email, index) => ({
    email,
    timestamp,
    event: step.status,
    sg_event_id: randomBytes(16).toString('base64url'),
    sg_message_id: `${record.sid}.filterdrecv-sim-${index}`,
    'smtp-id': `<${record.sid}@ismtpd-sim>`,
    ...(step.status === 'delivered' ? { response: '250 OK' } : {}),
    ...(step.status === 'bounce'
      ? {
          type: 'bounce',
          status: String(step.errorCode ?? '5.1.1'),
          reason: `550 ${String(step.errorCode ?? '5.1.1')} The email account that you tried to reach does not exist.`,
        }
      : {}),
    ...(step.status === 'dropped' ? { reason: String(step.errorCode ?? 'Bounced Address') } : {}),
  }));
  const body = JSON.stringify(events);
  const stamp = String(timestamp);
  return {
    url,
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'SendGrid Event API',
      'X-Twilio-Email-Event-Webhook-Signature': sendGridSignature(ctx.sendgridKey, stamp, body),
      'X-Twilio-Email-Event-Webhook-Timestamp': stamp,
    },
    body,
    payload: events,
  };
}
