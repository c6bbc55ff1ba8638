/**
 * E.164: '+', a non-zero country code digit, 7 to 15 digits in all. Real Twilio also accepts some national
 * formats and normalises them; the simulator insists on E.164 so that an adapter that forgets the '+' fails in
 * tests rather than depending on Twilio's guesswork in production.
 */
const E164 = /^\+[1-9]\d{6,14}$/;
/** Short codes are 3 to 8 digits depending on the country (5 or 6 in the US). */
const SHORT_CODE = /^\d{3,8}$/;
/** Alphanumeric sender IDs: up to 11 letters, digits and spaces, with at least one letter. */
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const NANP = /^\+1(\d{3})(\d{3})(\d{4})$/;

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** What Twilio accepts as an SMS `From`: a phone number, a short code or an alphanumeric sender ID. */
export function isSmsSender(value: string): boolean {
  return E164.test(value) || SHORT_CODE.test(value) || ALPHANUMERIC_SENDER.test(value);
}

/** Twilio's `to_formatted` / `from_formatted`: "(415) 867-5309" for North American numbers, else unchanged. */
export function formatForDisplay(e164: string): string {
  const match = NANP.exec(e164);
  return match ? `(${match[1]}) ${match[2]}-${match[3]}` : e164;
}
