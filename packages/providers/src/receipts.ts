/**
 * What a provider's failure receipt says about the phone number itself. A resend on another SMS provider reaches
 * the same handset through the same carrier: when the number is the problem (it does not exist, it is a
 * landline, its owner blocked us), another SMS provider would only fail again, or worse, succeed at annoying
 * someone who opted out. Transient and route problems (handset off, carrier filtering, queue overflow, our
 * account) are worth another route.
 */
export interface ReceiptFailureMeaning {
  /** The number cannot take this channel: do not resend on another provider of the same channel. */
  numberBad: boolean;
  /** A landline: a call may still reach it. */
  suggestsVoice: boolean;
}

/** Twilio Messaging delivery ErrorCodes (30xxx from the carrier; 21xxx can also come back asynchronously). */
const TWILIO_SMS_NUMBER_BAD = new Set([
  '30004', // message blocked (the recipient blocked it, or opted out at the carrier)
  '30005', // unknown destination handset: the number does not exist
  '30006', // landline or unreachable carrier
  '21211', // invalid To
  '21610', // unsubscribed (STOP)
  '21612', // not reachable by SMS
  '21614', // not a mobile number
  '21635', // landline
]);
const TWILIO_SMS_LANDLINE = new Set(['30006', '21614', '21635']);

/**
 * Vonage SMS delivery receipt err-codes: 3 absent subscriber (permanent), 4 call barred by user, 9 illegal
 * number. (2 absent subscriber temporary, 7 handset busy, 8 network error, 12 unreachable, 6/50–53 filtering:
 * another route may do better.)
 */
const VONAGE_SMS_NUMBER_BAD = new Set(['3', '4', '9']);

export function receiptFailureMeaning(
  provider: string,
  channel: string,
  errorCode: string | undefined,
): ReceiptFailureMeaning {
  if (channel !== 'sms' || errorCode === undefined) return { numberBad: false, suggestsVoice: false };
  if (provider === 'twilio') {
    return {
      numberBad: TWILIO_SMS_NUMBER_BAD.has(errorCode),
      suggestsVoice: TWILIO_SMS_LANDLINE.has(errorCode),
    };
  }
  if (provider === 'vonage') return { numberBad: VONAGE_SMS_NUMBER_BAD.has(errorCode), suggestsVoice: false };
  return { numberBad: false, suggestsVoice: false };
}
