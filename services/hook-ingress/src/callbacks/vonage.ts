import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  CALLBACK_PATHS,
  normaliseVonageSmsStatus,
  normaliseVonageVoiceStatus,
  type StatusEvent,
} from '@byot/contracts';
import express, { type Request, type Response, type Router } from 'express';
import { errors as joseErrors, jwtVerify } from 'jose';
import {
  accept,
  type CallbackDeps,
  callbackErrorHandler,
  DEFAULT_MAX_SKEW_MS,
  ID_PATTERN,
  isPlainObject,
  MalformedCallback,
  malformed,
  occurredAt,
  refuse,
  STATUS_PATTERN,
  str,
} from './common.ts';

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

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/**
 * Vonage SMS delivery receipts (POST JSON, or form) at CALLBACK_PATHS.vonageSms, and Voice API events (POST
 * JSON with an HS256 JWT) at CALLBACK_PATHS.vonageVoice. Without a signature secret both are accepted unsigned
 * (main.ts warns at start).
 */
export function vonageCallbacksRouter(deps: CallbackDeps): Router {
  const router = express.Router();
  const secret = deps.vonage.signatureSecret;
  const skew = deps.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const now = deps.now ?? Date.now;

  router.post(
    CALLBACK_PATHS.vonageSms,
    express.json({ limit: deps.maxBodyBytes, strict: true, type: 'application/json' }),
    express.urlencoded({ extended: false, limit: deps.maxBodyBytes, parameterLimit: 100 }),
    async (req: Request, res: Response) => {
      const receivedAt = now();
      if (!isPlainObject(req.body)) return malformed(res, deps.log, 'vonage', 'body is not a JSON object');
      const params: Record<string, string> = {};
      for (const name of Object.keys(req.body)) {
        const text = str(req.body, name);
        if (text === undefined) return malformed(res, deps.log, 'vonage', 'a field is not a string');
        params[name] = text;
      }
      if (secret !== undefined) {
        const sig = params.sig;
        if (sig === undefined || !/^[0-9A-Fa-f]{64}$/.test(sig)) {
          return refuse(res, deps.log, 'vonage', 'no SHA-256 sig');
        }
        if (!sameHex(sig, vonageSmsSignature(secret, params))) {
          return refuse(res, deps.log, 'vonage', 'sig does not match');
        }
        const timestamp = params.timestamp;
        if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
          return refuse(res, deps.log, 'vonage', 'no signed timestamp');
        }
        if (Math.abs(receivedAt - Number(timestamp) * 1000) > skew) {
          return refuse(res, deps.log, 'vonage', 'stale timestamp');
        }
      }
      let event: StatusEvent;
      try {
        event = normaliseVonageSms(params, receivedAt);
      } catch (error) {
        if (error instanceof MalformedCallback) return malformed(res, deps.log, 'vonage', error.message);
        throw error;
      }
      await accept(res, deps, 'vonage', [event]);
    },
  );

  const key = secret === undefined ? undefined : new TextEncoder().encode(secret);
  router.post(
    CALLBACK_PATHS.vonageVoice,
    express.json({
      limit: deps.maxBodyBytes,
      strict: true,
      type: 'application/json',
      // Only here: the JWT's payload_hash covers the body exactly as sent.
      verify: (req, _res, buf) => {
        (req as RawBodyRequest).rawBody = Buffer.from(buf);
      },
    }),
    async (req: Request, res: Response) => {
      const receivedAt = now();
      if (key !== undefined) {
        const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(req.get('authorization') ?? '')?.[1];
        if (token === undefined) return refuse(res, deps.log, 'vonage', 'no Bearer JWT');
        let payload: Record<string, unknown>;
        try {
          ({ payload } = await jwtVerify(token, key, {
            algorithms: ['HS256'],
            requiredClaims: ['iat'],
            maxTokenAge: Math.ceil(skew / 1000),
            clockTolerance: 30,
            currentDate: new Date(receivedAt),
          }));
        } catch (error) {
          const reason = error instanceof joseErrors.JOSEError ? error.code : 'invalid JWT';
          return refuse(res, deps.log, 'vonage', reason);
        }
        const raw = (req as RawBodyRequest).rawBody ?? Buffer.alloc(0);
        const claimed = payload.payload_hash;
        if (claimed !== undefined || raw.length > 0) {
          // Vonage always signs the body's hash; a body the token does not cover is not trusted.
          if (typeof claimed !== 'string') return refuse(res, deps.log, 'vonage', 'no payload_hash');
          if (!sameHex(claimed, createHash('sha256').update(raw).digest('hex'))) {
            return refuse(res, deps.log, 'vonage', 'payload_hash does not match the body');
          }
        }
      }
      if (!isPlainObject(req.body)) return malformed(res, deps.log, 'vonage', 'body is not a JSON object');
      const body = req.body as Record<string, unknown>;
      if (body.status === undefined) {
        // Other Voice API events (transfer, input…) share the event_url and say nothing about delivery.
        res.status(204).end();
        return;
      }
      let event: StatusEvent;
      try {
        event = normaliseVonageVoice(body, receivedAt);
      } catch (error) {
        if (error instanceof MalformedCallback) return malformed(res, deps.log, 'vonage', error.message);
        throw error;
      }
      await accept(res, deps, 'vonage', [event]);
    },
  );
  router.use([CALLBACK_PATHS.vonageSms, CALLBACK_PATHS.vonageVoice], callbackErrorHandler(deps.log));
  return router;
}

/** "YYYY-MM-DD hh:mm:ss", UTC (Vonage's message-timestamp). */
function parseVonageTimestamp(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value)) return undefined;
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

export function normaliseVonageSms(params: Record<string, string>, receivedAt: number): StatusEvent {
  const id = params.messageId;
  const raw = params.status;
  if (id === undefined || !ID_PATTERN.test(id)) throw new MalformedCallback('no valid messageId');
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

export function normaliseVonageVoice(body: Record<string, unknown>, receivedAt: number): StatusEvent {
  const id = str(body, 'uuid');
  const raw = str(body, 'status');
  if (id === undefined || !ID_PATTERN.test(id)) throw new MalformedCallback('no valid uuid');
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
