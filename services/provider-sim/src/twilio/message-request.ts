import { callbackUrlProblem } from '../lib/callback-url.ts';
import { isE164, isSmsSender } from '../lib/phone.ts';
import { countSegments } from '../lib/sms-segments.ts';
import { badRequest, type Validation } from './errors.ts';
import type { FormParams } from './form.ts';
import { smsMagicError } from './magic-numbers.ts';

/** A message request that passed validation: what will be recorded and echoed back. */
export interface MessageDraft {
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  mediaUrls: string[];
  numSegments: number;
  validityPeriod?: number;
  statusCallback?: string;
}

const MAX_BODY_CHARS = 1600;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const INTEGER = /^-?\d+$/;

/**
 * Validates POST …/Messages.json with Twilio's error codes, checked in the order Twilio reports them
 * (destination, sender, content, options, then the magic test numbers).
 */
export function validateMessageRequest(form: FormParams): Validation<MessageDraft> {
  const to = form.get('To');
  if (to === undefined) return fail(21604, "A 'To' phone number is required.");
  if (!isE164(to)) return fail(21211, `The 'To' number ${to} is not a valid phone number.`);

  const from = form.get('From') ?? null;
  const messagingServiceSid = form.get('MessagingServiceSid') ?? null;
  if (from === null && messagingServiceSid === null) {
    return fail(21603, "A 'From' phone number or a 'MessagingServiceSid' is required.");
  }
  if (from !== null && !isSmsSender(from)) {
    return fail(
      21212,
      `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
    );
  }
  if (messagingServiceSid !== null && !MESSAGING_SERVICE_SID.test(messagingServiceSid)) {
    return fail(21701, `The Messaging Service Sid ${messagingServiceSid} is invalid.`);
  }
  if (from === to) return fail(21266, "'To' and 'From' number cannot be the same.");

  const body = form.get('Body') ?? '';
  const mediaUrls = form.getAll('MediaUrl');
  if (body === '' && mediaUrls.length === 0) return fail(21602, 'Message body is required.');
  const length = [...body].length;
  if (length > MAX_BODY_CHARS) {
    return fail(
      21617,
      `The concatenated message body exceeds the ${MAX_BODY_CHARS} character limit (got ${length}).`,
    );
  }

  const draft: MessageDraft = {
    to,
    from,
    messagingServiceSid,
    body,
    mediaUrls,
    numSegments: countSegments(body).segments,
  };

  const validity = form.get('ValidityPeriod');
  if (validity !== undefined) {
    // Twilio: 90014 when the value is not a positive integer, 90007 when it is one but above the 10 h maximum.
    if (!INTEGER.test(validity) || Number(validity) < 1) {
      return fail(90014, `ValidityPeriod must be a positive integer number of seconds, got '${validity}'.`);
    }
    if (Number(validity) > 36_000) {
      return fail(90007, `ValidityPeriod must be between 1 and 36000 seconds, got ${validity}.`);
    }
    draft.validityPeriod = Number(validity);
  }

  const statusCallback = form.get('StatusCallback');
  if (statusCallback !== undefined) {
    const problem = callbackUrlProblem(statusCallback, { allowUnderscoreInHost: false });
    if (problem)
      return fail(21609, `The StatusCallback URL ${statusCallback} is not a valid URL: ${problem}.`);
    draft.statusCallback = statusCallback;
  }

  const magic = smsMagicError(from, to);
  if (magic) return { ok: false, error: magic };
  return { ok: true, value: draft };
}

function fail(code: number, message: string): Validation<never> {
  return { ok: false, error: badRequest(code, message) };
}
