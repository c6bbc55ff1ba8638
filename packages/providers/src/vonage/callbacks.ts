import { createHash, createHmac } from 'node:crypto';
import { PROVIDER_ID_PATTERN, type StatusEvent } from '@byot/contracts';
import { errors as joseErrors, jwtVerify } from 'jose';
import {
  type CallbackEndpoint,
  type CallbackOptions,
  type CallbackRequest,
  isPlainObject,
  MalformedCallback,
  occurredAt,
  refused,
  STATUS_PATTERN,
  sameHex,
  str,
  VERIFIED,
  type Verification,
} from '../callbacks.ts';
import { normaliseVonageSmsStatus, normaliseVonageVoiceStatus } from './statuses.ts';

/** Where Vonage posts SMS delivery receipts and Voice API events (relative to PUBLIC_BASE_URL). */
export const VONAGE_CALLBACK_PATHS = {
  sms: '/v1/callbacks/vonage/sms',
  voice: '/v1/callbacks/vonage/voice',
} as const;

/**
 * How the ingress takes Vonage's callbacks; absent (Vonage is not one of the configured providers): not at all.
 * Without a signature secret they are refused too (404), unless `allowUnsigned` (VONAGE_CALLBACKS_ALLOW_UNSIGNED,
 * loudly logged): an unsigned receipt is anyone's word that a code failed (so it is sent again) or arrived.
 */
export interface VonageCallbackSettings {
  signatureSecret?: string | undefined;
  allowUnsigned?: boolean | undefined;
}

/**
 * Vonage SMS delivery receipts (POST JSON, or form) and Voice API events (POST JSON with an HS256 JWT), verified
 * with the signature secret. Fail closed: with no settings, or no secret and no explicit opt-out, both routes
 * answer 404 and nothing reaches the status queue.
 */
export function vonageCallbacks(
  settings: VonageCallbackSettings | undefined,
  options: CallbackOptions,
): CallbackEndpoint[] {
  const secret = settings?.signatureSecret;
  if (settings === undefined || (secret === undefined && settings.allowUnsigned !== true)) {
    return Object.values(VONAGE_CALLBACK_PATHS).map((path) => ({
      configured: false,
      provider: 'vonage',
      path,
    }));
  }
  const key = secret === undefined ? undefined : new TextEncoder().encode(secret);
  return [
    {
      configured: true,
      provider: 'vonage',
      path: VONAGE_CALLBACK_PATHS.sms,
      body: 'json-or-form',
      verify: (request) => {
        const params = stringParams(request.body);
        return secret === undefined ? VERIFIED : verifySmsSignature(secret, params, request, options);
      },
      parse: (request) => ({
        events: [parseVonageSmsReceipt(stringParams(request.body), request.receivedAt)],
      }),
    },
    {
      configured: true,
      provider: 'vonage',
      path: VONAGE_CALLBACK_PATHS.voice,
      // The JWT's payload_hash covers the body exactly as sent.
      body: 'json',
      verify: (request) => (key === undefined ? VERIFIED : verifyVoiceToken(key, request, options)),
      parse: (request) => {
        if (!isPlainObject(request.body)) throw new MalformedCallback('body is not a JSON object');
        // Other Voice API events (transfer, input…) share the event_url and say nothing about delivery.
        if (request.body.status === undefined) return { events: [] };
        return { events: [parseVonageVoiceEvent(request.body, request.receivedAt)] };
      },
    },
  ];
}

/**
 * Vonage's "SHA-256 HMAC" signature of SMS webhooks: every parameter but `sig`, sorted by name, written
 * `&name=value` with '&' and '=' in values replaced by '_', HMAC-SHA256 with the signature secret, hex.
 * (What @vonage/sms `verifySignature(sig, params, secret, 'SHA256HMAC')` computes; it compares with `===`,
 * so we compare here, in constant time.)
 */
export function vonageSmsSignature(secret: string, params: Readonly<Record<string, string>>): string {
  const data = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  return createHmac('sha256', secret).update(data, 'utf8').digest('hex');
}

/** A receipt's parameters, every one a string (what the signature is computed over). */
function stringParams(body: unknown): Record<string, string> {
  if (!isPlainObject(body)) throw new MalformedCallback('body is not a JSON object');
  const params: Record<string, string> = {};
  for (const name of Object.keys(body)) {
    const text = str(body, name);
    if (text === undefined) throw new MalformedCallback('a field is not a string');
    params[name] = text;
  }
  return params;
}

function verifySmsSignature(
  secret: string,
  params: Record<string, string>,
  request: CallbackRequest,
  options: CallbackOptions,
): Verification {
  const sig = params.sig;
  if (sig === undefined || !/^[0-9A-Fa-f]{64}$/.test(sig)) return refused('no SHA-256 sig');
  if (!sameHex(sig, vonageSmsSignature(secret, params))) return refused('sig does not match');
  const timestamp = params.timestamp;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return refused('no signed timestamp');
  if (Math.abs(request.receivedAt - Number(timestamp) * 1000) > options.maxSkewMs)
    return refused('stale timestamp');
  return VERIFIED;
}

async function verifyVoiceToken(
  key: Uint8Array,
  request: CallbackRequest,
  options: CallbackOptions,
): Promise<Verification> {
  const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(request.header('authorization') ?? '')?.[1];
  if (token === undefined) return refused('no Bearer JWT');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      requiredClaims: ['iat'],
      maxTokenAge: Math.ceil(options.maxSkewMs / 1000),
      clockTolerance: 30,
      currentDate: new Date(request.receivedAt),
    }));
  } catch (error) {
    return refused(error instanceof joseErrors.JOSEError ? error.code : 'invalid JWT');
  }
  const raw = request.rawBody ?? Buffer.alloc(0);
  const claimed = payload.payload_hash;
  if (claimed !== undefined || raw.length > 0) {
    // Vonage always signs the body's hash; a body the token does not cover is not trusted.
    if (typeof claimed !== 'string') return refused('no payload_hash');
    if (!sameHex(claimed, createHash('sha256').update(raw).digest('hex'))) {
      return refused('payload_hash does not match the body');
    }
  }
  return VERIFIED;
}

/** "YYYY-MM-DD hh:mm:ss", UTC (Vonage's message-timestamp). */
function parseVonageTimestamp(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value)) return undefined;
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

export function parseVonageSmsReceipt(params: Record<string, string>, receivedAt: number): StatusEvent {
  const id = params.messageId;
  const raw = params.status;
  if (id === undefined || !PROVIDER_ID_PATTERN.test(id)) throw new MalformedCallback('no valid messageId');
  if (raw === undefined || !STATUS_PATTERN.test(raw)) throw new MalformedCallback('no valid status');
  const rawStatus = raw.toLowerCase();
  const errorCode = params['err-code'];
  return {
    version: 1,
    provider: 'vonage',
    channel: 'sms',
    providerMessageId: id,
    status: normaliseVonageSmsStatus(rawStatus),
    rawStatus,
    ...(errorCode !== undefined && /^\d{1,10}$/.test(errorCode) && Number(errorCode) !== 0
      ? { errorCode }
      : {}),
    occurredAt: occurredAt(parseVonageTimestamp(params['message-timestamp']), receivedAt),
    receivedAt,
  };
}

export function parseVonageVoiceEvent(body: Record<string, unknown>, receivedAt: number): StatusEvent {
  const id = str(body, 'uuid');
  const raw = str(body, 'status');
  if (id === undefined || !PROVIDER_ID_PATTERN.test(id)) throw new MalformedCallback('no valid uuid');
  if (raw === undefined || !STATUS_PATTERN.test(raw)) throw new MalformedCallback('no valid status');
  const rawStatus = raw.toLowerCase();
  // `detail` says why a call failed or was rejected (invalid_number, restricted, …): useful, never personal.
  const detail = str(body, 'detail');
  const timestamp = str(body, 'timestamp');
  return {
    version: 1,
    provider: 'vonage',
    channel: 'voice',
    providerMessageId: id,
    status: normaliseVonageVoiceStatus(rawStatus),
    rawStatus,
    ...(detail !== undefined && /^[a-z_]{1,64}$/.test(detail) ? { errorCode: detail } : {}),
    occurredAt: occurredAt(timestamp === undefined ? undefined : Date.parse(timestamp), receivedAt),
    receivedAt,
  };
}
