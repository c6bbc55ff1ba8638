import {
  forbiddenProblem,
  SMS_STATUS,
  type SmsRefusal,
  smsRefusal,
  type VoiceProblem,
  validationProblem,
} from './errors.ts';

/**
 * The simulator's magic numbers for Vonage (Vonage has no public test numbers). They mirror Twilio's
 * +1500555000x numbers, written the Vonage way (no '+'), and provoke the refusals an adapter must classify.
 */
const SMS_TO: ReadonlyMap<string, SmsRefusal> = new Map([
  ['15005550001', smsRefusal(SMS_STATUS.invalidParams, 'Invalid to param: not a valid phone number')],
  ['15005550002', smsRefusal(SMS_STATUS.invalidMessage)],
  ['15005550003', smsRefusal(SMS_STATUS.numberBarred)],
  ['15005550004', smsRefusal(SMS_STATUS.nonWhitelisted)],
  ['15005550005', smsRefusal(SMS_STATUS.numberDeactivated)],
]);

const SMS_FROM: ReadonlyMap<string, SmsRefusal> = new Map([
  ['15005550001', smsRefusal(SMS_STATUS.invalidSender)],
  ['15005550007', smsRefusal(SMS_STATUS.partnerAccountBarred)],
  ['15005550008', smsRefusal(SMS_STATUS.partnerQuotaViolation)],
]);

/** The refusal a magic `from` or `to` provokes (the sender first, as for Twilio). */
export function smsMagicRefusal(from: string, to: string): SmsRefusal | null {
  return SMS_FROM.get(from) ?? SMS_TO.get(to) ?? null;
}

/** Voice: 15005550001 is not a valid number (400), 15005550004 may not be called from this account (403). */
export function voiceMagicProblem(to: string): VoiceProblem | null {
  if (to === '15005550001') {
    return validationProblem([{ name: 'to[0].number', reason: `${to} is not a valid phone number` }]);
  }
  if (to === '15005550004') return forbiddenProblem(`Calls to ${to} are barred for this account.`);
  return null;
}
