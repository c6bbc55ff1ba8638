import type { NormalisedStatus, StatusChannel } from '@byot/contracts';
import {
  type CodeSource,
  lookupCode,
  lookupStatus,
  NOTHING_ABOUT_THE_NUMBER,
  type ReceiptFailureMeaning,
} from '../definition.ts';

/** Vonage SMS delivery receipt `status`. `accepted` and `buffered` mean the carrier has it, not the handset. */
const SMS: Readonly<Record<string, NormalisedStatus>> = {
  accepted: 'sent',
  buffered: 'sent',
  delivered: 'delivered',
  expired: 'expired',
  failed: 'failed',
  rejected: 'rejected',
  unknown: 'unknown',
};

/** Vonage Voice API event `status`. `timeout` and `unanswered` both mean nobody picked up. */
const VOICE: Readonly<Record<string, NormalisedStatus>> = {
  started: 'queued',
  ringing: 'ringing',
  answered: 'answered',
  machine: 'answered',
  human: 'answered',
  completed: 'completed',
  busy: 'busy',
  cancelled: 'canceled',
  canceled: 'canceled',
  failed: 'failed',
  rejected: 'rejected',
  timeout: 'no-answer',
  unanswered: 'no-answer',
};

export function normaliseVonageSmsStatus(raw: string): NormalisedStatus {
  return lookupStatus(SMS, raw);
}
export function normaliseVonageVoiceStatus(raw: string): NormalisedStatus {
  return lookupStatus(VOICE, raw);
}
export function normaliseVonageStatus(channel: StatusChannel, raw: string): NormalisedStatus {
  return channel === 'voice' ? normaliseVonageVoiceStatus(raw) : normaliseVonageSmsStatus(raw);
}

/**
 * SMS delivery receipt err-codes: 3 absent subscriber (permanent), 4 call barred by user, 9 illegal number.
 * (2 absent subscriber temporary, 7 handset busy, 8 network error, 12 unreachable, 6/50–53 filtering: another
 * route may do better.)
 */
const SMS_NUMBER_BAD = new Set(['3', '4', '9']);

export function vonageReceiptFailureMeaning(
  channel: StatusChannel,
  errorCode: string | undefined,
): ReceiptFailureMeaning {
  if (channel !== 'sms' || errorCode === undefined) return NOTHING_ABOUT_THE_NUMBER;
  return { numberBad: SMS_NUMBER_BAD.has(errorCode), suggestsVoice: false };
}

/** Vonage SMS delivery receipt err-codes, in plain words (Vonage's DLR error code list names them). */
const CODES: Readonly<Record<string, string>> = {
  '1': 'an unknown error',
  '2': 'the phone temporarily out of reach',
  '3': 'the number no longer in service',
  '4': 'that the person barred the message',
  '5': 'a number portability error',
  '6': 'an anti-spam rejection',
  '7': 'the handset busy',
  '8': 'a network error',
  '9': 'an illegal number',
  '10': 'an illegal message',
  '11': 'an unroutable number',
  '12': 'the destination unreachable',
  '13': 'an age restriction on the subscriber',
  '14': 'the number blocked by its carrier',
  '15': 'insufficient pre-paid funds',
  '99': 'a general error',
};

/** The SMS API's refusal statuses (the request's answer, numbered apart from the receipts' err-codes). */
const REQUEST_CODES: Readonly<Record<string, string>> = {
  '1': 'too many requests',
  '2': 'a request missing a parameter',
  '3': 'an invalid parameter',
  '4': 'our Vonage credentials refused',
  '5': 'an internal error at Vonage',
  '6': 'a message it could not route',
  '7': 'the number barred',
  '8': 'our account barred',
  '9': 'our account out of credit or quota',
  '15': 'an illegal sender address',
  '29': 'a destination not on our allowed list',
};

export function describeVonageCode(code: string, source: CodeSource): string | undefined {
  return lookupCode(source === 'receipt' ? CODES : REQUEST_CODES, code);
}
