import { callbackUrlProblem } from '../lib/callback-url.ts';
import { isE164 } from '../lib/phone.ts';
import type { Speech } from '../store/records.ts';
import { badRequest, GENERIC_BAD_REQUEST, type Validation } from './errors.ts';
import type { FormParams } from './form.ts';
import { voiceMagicError } from './magic-numbers.ts';
import { interpretTwiml } from './twiml.ts';

/** A call request that passed validation. Exactly one of speech (from Twiml), url and applicationSid is set. */
export interface CallDraft {
  to: string;
  from: string;
  speech?: Speech;
  url?: string;
  applicationSid?: string;
  timeout: number;
  statusCallback?: string;
  statusCallbackMethod?: string;
  /** As sent (Twilio's default when none are sent is `completed` only; the record keeps what the client asked). */
  statusCallbackEvents: string[];
}

const MAX_TWIML_CHARS = 4000;
const APPLICATION_SID = /^AP[0-9a-fA-F]{32}$/;
const DEFAULT_RING_SECONDS = 60;
const MAX_RING_SECONDS = 600;
const CALL_INSTRUCTIONS = ['Twiml', 'Url', 'ApplicationSid'] as const;

/** Validates POST …/Calls.json with Twilio's error codes where they are known. */
export function validateCallRequest(form: FormParams): Validation<CallDraft> {
  const to = form.get('To');
  if (to === undefined) return fail(21201, "No 'To' number is specified.");
  if (!isE164(to)) return fail(21211, `The 'To' number ${to} is not a valid phone number.`);
  const from = form.get('From');
  if (from === undefined) return fail(21213, "No 'From' number is specified.");
  if (!isE164(from))
    return fail(21212, `The 'From' number ${from} is not a valid phone number or caller ID.`);

  const given = CALL_INSTRUCTIONS.filter((name) => form.has(name));
  if (given.length === 0) {
    return fail(
      21205,
      'Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml',
    );
  }
  if (given.length > 1) {
    // Twilio would silently prefer Url over Twiml; an adapter sending both has a bug worth surfacing.
    return fail(21205, `Provide exactly one of Twiml, Url or ApplicationSid, not ${given.join(' and ')}.`);
  }

  const draft: CallDraft = { to, from, timeout: DEFAULT_RING_SECONDS, statusCallbackEvents: [] };
  const twiml = form.get('Twiml');
  const url = form.get('Url');
  const applicationSid = form.get('ApplicationSid');
  if (twiml !== undefined) {
    if (twiml.length > MAX_TWIML_CHARS) {
      return fail(
        GENERIC_BAD_REQUEST,
        `Twiml must be at most ${MAX_TWIML_CHARS} characters, got ${twiml.length}.`,
      );
    }
    const result = interpretTwiml(twiml);
    if (!result.ok) return fail(result.code, result.message);
    draft.speech = result.speech;
  } else if (url !== undefined) {
    if (callbackUrlProblem(url, { allowUnderscoreInHost: true }) !== null) {
      return fail(21205, `Url is not a valid URL: ${url}`);
    }
    draft.url = url;
  } else if (applicationSid !== undefined) {
    if (!APPLICATION_SID.test(applicationSid))
      return fail(21218, `Invalid ApplicationSid: ${applicationSid}.`);
    draft.applicationSid = applicationSid;
  }

  const timeout = form.get('Timeout');
  if (timeout !== undefined) {
    const seconds = /^\d+$/.test(timeout) ? Number(timeout) : Number.NaN;
    if (!(seconds >= 1 && seconds <= MAX_RING_SECONDS)) {
      return fail(
        GENERIC_BAD_REQUEST,
        `Timeout must be a whole number of seconds from 1 to ${MAX_RING_SECONDS}, got '${timeout}'.`,
      );
    }
    draft.timeout = seconds;
  }

  const statusCallback = form.get('StatusCallback');
  if (statusCallback !== undefined) {
    const problem = callbackUrlProblem(statusCallback, { allowUnderscoreInHost: true });
    if (problem)
      return fail(21609, `The StatusCallback URL ${statusCallback} is not a valid URL: ${problem}.`);
    draft.statusCallback = statusCallback;
  }
  const method = form.get('StatusCallbackMethod');
  if (method !== undefined) draft.statusCallbackMethod = method;
  // Repeated parameter (twilio-node sends one StatusCallbackEvent per value); some clients send one
  // space-separated value instead, which Twilio also accepts.
  draft.statusCallbackEvents = form
    .getAll('StatusCallbackEvent')
    .flatMap((value) => value.split(/\s+/).filter(Boolean));

  const magic = voiceMagicError(from, to);
  if (magic) return { ok: false, error: magic };
  return { ok: true, value: draft };
}

function fail(code: number, message: string): Validation<never> {
  return { ok: false, error: badRequest(code, message) };
}
