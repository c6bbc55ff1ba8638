import type { NormalisedStatus, StatusChannel } from '@byot/contracts';
import {
  lookupCode,
  lookupStatus,
  NOTHING_ABOUT_THE_NUMBER,
  type ReceiptFailureMeaning,
} from '../definition.ts';

/**
 * Twilio MessageStatus. `sending` is still in Twilio's hands; `read` (WhatsApp/RCS) implies delivered;
 * `partially_delivered` is ambiguous for a code split across parts and is left to the workers as `unknown`.
 */
const MESSAGE: Readonly<Record<string, NormalisedStatus>> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'canceled',
};

/** Twilio CallStatus (`initiated` is the call-progress event name, reported with status queued/initiated). */
const CALL: Readonly<Record<string, NormalisedStatus>> = {
  queued: 'queued',
  initiated: 'queued',
  ringing: 'ringing',
  'in-progress': 'answered',
  answered: 'answered',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  canceled: 'canceled',
};

export function normaliseTwilioMessageStatus(raw: string): NormalisedStatus {
  return lookupStatus(MESSAGE, raw);
}
export function normaliseTwilioCallStatus(raw: string): NormalisedStatus {
  return lookupStatus(CALL, raw);
}
export function normaliseTwilioStatus(channel: StatusChannel, raw: string): NormalisedStatus {
  return channel === 'voice' ? normaliseTwilioCallStatus(raw) : normaliseTwilioMessageStatus(raw);
}

/** Messaging delivery ErrorCodes (30xxx from the carrier; 21xxx can also come back asynchronously). */
const SMS_NUMBER_BAD = new Set([
  '30004', // message blocked (the recipient blocked it, or opted out at the carrier)
  '30005', // unknown destination handset: the number does not exist
  '30006', // landline or unreachable carrier
  '21211', // invalid To
  '21610', // unsubscribed (STOP)
  '21612', // not reachable by SMS
  '21614', // not a mobile number
  '21635', // landline
]);
const SMS_LANDLINE = new Set(['30006', '21614', '21635']);

export function twilioReceiptFailureMeaning(
  channel: StatusChannel,
  errorCode: string | undefined,
): ReceiptFailureMeaning {
  if (channel !== 'sms' || errorCode === undefined) return NOTHING_ABOUT_THE_NUMBER;
  return { numberBad: SMS_NUMBER_BAD.has(errorCode), suggestsVoice: SMS_LANDLINE.has(errorCode) };
}

/**
 * Twilio's error codes a support person meets most, in plain words (Twilio's error dictionary names them): the
 * carrier's 30xxx of delivery receipts and the REST API's refusals.
 */
const CODES: Readonly<Record<string, string>> = {
  '30001': 'a queue overflow',
  '30002': 'the account suspended',
  '30003': 'the handset unreachable',
  '30004': 'the message blocked by the recipient or carrier',
  '30005': 'the number unknown to its carrier',
  '30006': 'a landline or unreachable carrier',
  '30007': 'the message filtered by the carrier',
  '30008': 'an unknown carrier error',
  '30034': 'an unregistered sender (A2P 10DLC)',
  '20003': 'our Twilio credentials refused',
  '20429': 'too many requests',
  '21211': 'an invalid number',
  '21408': 'the destination region not enabled',
  '21610': 'that the person replied STOP',
  '21612': 'a number SMS cannot reach',
  '21614': 'not a mobile number',
  '21635': 'a landline',
  '13224': 'an invalid number for a call',
};

/** Twilio numbers receipt and request errors in one dictionary. */
export function describeTwilioCode(code: string): string | undefined {
  return lookupCode(CODES, code);
}
