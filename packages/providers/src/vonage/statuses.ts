import type { NormalisedStatus, StatusChannel } from '@byot/contracts';
import { lookupStatus, NOTHING_ABOUT_THE_NUMBER, type ReceiptFailureMeaning } from '../definition.ts';

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
