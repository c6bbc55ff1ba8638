import { callbackUrlProblem } from '../lib/callback-url.ts';
import { countSegments, type SegmentCount } from '../lib/sms-segments.ts';
import { SMS_STATUS, type SmsRefusal, smsRefusal } from './errors.ts';
import { smsMagicRefusal } from './magic-numbers.ts';

/** An SMS request that passed validation. */
export interface SmsDraft {
  to: string;
  from: string;
  text: string;
  type: 'text' | 'unicode';
  segments: SegmentCount;
  ttlMs?: number;
  callback?: string;
  clientRef?: string;
  warnings: string[];
}

export type SmsValidation = { ok: true; value: SmsDraft } | { ok: false; refusal: SmsRefusal };

/** E.164 without the '+': what Vonage wants in `to`. */
const VONAGE_NUMBER = /^[1-9]\d{6,14}$/;
const NUMERIC_SENDER = /^\d{3,15}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const TTL_MS = { min: 20_000, max: 604_800_000 } as const;
const MAX_TEXT_CHARS = 3200;
const MAX_CLIENT_REF = 40;
/** Vonage's SMS API specification limits callback to 100 characters. */
const MAX_CALLBACK = 100;

/**
 * Parameters the simulator knows. Vonage ignores unknown ones; the simulator refuses them (status 3), so a
 * misspelt parameter (client_ref for client-ref) fails a test instead of silently doing nothing.
 */
const KNOWN_PARAMS: ReadonlySet<string> = new Set([
  'api_key',
  'api_secret',
  'from',
  'to',
  'text',
  'type',
  'ttl',
  'callback',
  'client-ref',
  'status-report-req',
  'message-class',
  'account-ref',
  'entity-id',
  'content-id',
]);

/** Validates POST /sms/json with Vonage's status codes, after authentication. */
export function validateSmsRequest(params: ReadonlyMap<string, string>): SmsValidation {
  const unknown = [...params.keys()].filter((name) => !KNOWN_PARAMS.has(name));
  if (unknown.length > 0) {
    return fail(
      SMS_STATUS.invalidParams,
      `unknown parameter ${unknown.join(', ')} (Vonage would ignore it; the simulator refuses it)`,
    );
  }
  const from = nonEmpty(params.get('from'));
  if (from === undefined) return fail(SMS_STATUS.missingParams, 'Missing from param');
  const to = nonEmpty(params.get('to'));
  if (to === undefined) return fail(SMS_STATUS.missingParams, 'Missing to param');

  const type = params.get('type') ?? 'text';
  if (type !== 'text' && type !== 'unicode') {
    return fail(
      SMS_STATUS.invalidParams,
      `Invalid type param '${type}' (the simulator supports text and unicode)`,
    );
  }
  const text = nonEmpty(params.get('text'));
  if (text === undefined) return fail(SMS_STATUS.missingParams, 'Missing text param');

  if (to.startsWith('+')) {
    return fail(
      SMS_STATUS.invalidParams,
      `Invalid to param '${to}': write the number in E.164 without the leading '+'`,
    );
  }
  if (!VONAGE_NUMBER.test(to)) return fail(SMS_STATUS.invalidParams, `Invalid to param '${to}'`);
  if (!NUMERIC_SENDER.test(from) && !ALPHANUMERIC_SENDER.test(from)) {
    return fail(
      SMS_STATUS.invalidSender,
      `'${from}' is neither a number (digits only) nor an alphanumeric sender of up to 11 characters`,
    );
  }
  if ([...text].length > MAX_TEXT_CHARS) {
    return fail(SMS_STATUS.messageTooLong, `text exceeds ${MAX_TEXT_CHARS} characters`);
  }

  const gsm = countSegments(text);
  const segments: SegmentCount =
    type === 'unicode'
      ? {
          encoding: 'UCS-2',
          units: text.length,
          segments: text.length <= 70 ? 1 : Math.ceil(text.length / 67),
        }
      : gsm;
  const draft: SmsDraft = { to, from, text, type, segments, warnings: [] };
  if (type === 'text' && gsm.encoding === 'UCS-2') {
    draft.segments = {
      encoding: 'GSM-7',
      units: [...text].length,
      segments: Math.ceil([...text].length / 153) || 1,
    };
    draft.warnings.push(
      'text contains characters outside the GSM-7 alphabet but type is "text": the phone would show them garbled; send type "unicode"',
    );
  }

  const ttl = params.get('ttl');
  if (ttl !== undefined) {
    const value = /^\d+$/.test(ttl) ? Number(ttl) : Number.NaN;
    if (!(value >= TTL_MS.min && value <= TTL_MS.max)) {
      return fail(
        SMS_STATUS.invalidParams,
        `Invalid ttl param '${ttl}': milliseconds from ${TTL_MS.min} to ${TTL_MS.max}`,
      );
    }
    draft.ttlMs = value;
  }

  const callback = params.get('callback');
  if (callback !== undefined) {
    const problem =
      callback.length > MAX_CALLBACK
        ? `longer than ${MAX_CALLBACK} characters`
        : callbackUrlProblem(callback, { allowUnderscoreInHost: false });
    if (problem) return fail(SMS_STATUS.invalidCallback, `${callback}: ${problem}`);
    draft.callback = callback;
  }

  const clientRef = params.get('client-ref');
  if (clientRef !== undefined) {
    if (clientRef.length > MAX_CLIENT_REF) {
      return fail(
        SMS_STATUS.invalidParams,
        `Invalid client-ref param: longer than ${MAX_CLIENT_REF} characters`,
      );
    }
    draft.clientRef = clientRef;
  }

  const magic = smsMagicRefusal(from, to);
  if (magic) return { ok: false, refusal: magic };
  return { ok: true, value: draft };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function fail(entry: { code: number; text: string }, detail: string): SmsValidation {
  // Vonage's texts for missing parameters are the detail itself ("Missing to param").
  return {
    ok: false,
    refusal:
      entry.code === SMS_STATUS.missingParams.code
        ? { status: entry.code, text: detail }
        : smsRefusal(entry, detail),
  };
}
