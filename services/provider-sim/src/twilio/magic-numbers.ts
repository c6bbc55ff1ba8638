import { badRequest, type TwilioError } from './errors.ts';

/**
 * Twilio's "magic" test numbers (docs: IAM › Test credentials › Magic input), honoured with any credentials.
 * They let a test provoke a specific refusal without a fault rule. One deliberate difference: with Twilio's
 * test credentials every other From is refused (21606 for SMS, 21210 for calls); the simulator accepts any
 * well-formed From, because it stands in for a live account.
 */
type MagicTable = ReadonlyMap<string, (number: string) => TwilioError>;

const SMS_FROM: MagicTable = new Map([
  [
    '+15005550001',
    (n: string) =>
      badRequest(
        21212,
        `The 'From' number ${n} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
      ),
  ],
  [
    '+15005550007',
    (n: string) =>
      badRequest(
        21606,
        `The 'From' phone number ${n} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      ),
  ],
  [
    '+15005550008',
    (n: string) => badRequest(21611, `The 'From' number ${n} has an SMS message queue that is full.`),
  ],
]);

const SMS_TO: MagicTable = new Map([
  ['+15005550001', (n: string) => badRequest(21211, `The 'To' number ${n} is not a valid phone number.`)],
  [
    '+15005550002',
    (n: string) => badRequest(21612, `The 'To' phone number ${n} is not currently reachable via SMS.`),
  ],
  [
    '+15005550003',
    (n: string) =>
      badRequest(
        21408,
        `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${n}.`,
      ),
  ],
  ['+15005550004', (n: string) => badRequest(21610, `Attempt to send to unsubscribed recipient ${n}.`)],
  ['+15005550009', (n: string) => badRequest(21614, `'To' number ${n} is not a valid mobile number.`)],
]);

const VOICE_FROM: MagicTable = new Map([
  [
    '+15005550001',
    (n: string) => badRequest(21212, `The 'From' number ${n} is not a valid phone number or caller ID.`),
  ],
]);

const VOICE_TO: MagicTable = new Map([
  ['+15005550001', (n: string) => badRequest(21217, `Phone number ${n} does not appear to be valid.`)],
  ['+15005550002', (n: string) => badRequest(21214, `'To' phone number ${n} cannot be reached.`)],
  [
    '+15005550003',
    (n: string) =>
      badRequest(21215, `Account not authorized to call ${n}. Enable the region in Geo Permissions.`),
  ],
  ['+15005550004', (n: string) => badRequest(21216, `Account not allowed to call ${n}.`)],
]);

function lookup(table: MagicTable, number: string | null): TwilioError | null {
  if (number === null) return null;
  return table.get(number)?.(number) ?? null;
}

/** The refusal a magic From or To provokes for an SMS (From first, as Twilio checks the sender first). */
export function smsMagicError(from: string | null, to: string): TwilioError | null {
  return lookup(SMS_FROM, from) ?? lookup(SMS_TO, to);
}

export function voiceMagicError(from: string, to: string): TwilioError | null {
  return lookup(VOICE_FROM, from) ?? lookup(VOICE_TO, to);
}
