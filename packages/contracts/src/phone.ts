import {
  type CountryCode,
  isSupportedCountry,
  type NumberType,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';

/** libphonenumber's number types (its full metadata): what the fraud controls can block by. */
export type PhoneNumberType = NonNullable<NumberType>;

export type PhoneParseResult =
  | {
      ok: true;
      e164: string;
      country: string | undefined;
      valid: boolean;
      /** MOBILE, FIXED_LINE, PREMIUM_RATE, …; undefined when the number is in no range the metadata knows. */
      type: PhoneNumberType | undefined;
      masked: string;
    }
  | { ok: false; reason: 'unparseable' | 'impossible' };

/**
 * Normalises what Okta sends ("9876543210" in its sample, "+15555551212" in Preview) to E.164.
 * Numbers without a country code are read in `defaultRegion`.
 *
 * Only numbers that cannot exist (wrong length for their country) are refused. A number of plausible length
 * that libphonenumber does not know as assigned is still sent (`valid: false`): its metadata lags real
 * allocations, and the provider will refuse a truly invalid number with a specific error anyway.
 */
export function normalisePhoneNumber(raw: string, defaultRegion: string): PhoneParseResult {
  const region = isSupportedCountry(defaultRegion) ? (defaultRegion as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(raw.trim(), region ? { defaultCountry: region } : undefined);
  if (!parsed) return { ok: false, reason: 'unparseable' };
  if (!parsed.isPossible()) return { ok: false, reason: 'impossible' };
  // With the full metadata, isValid() is exactly "getType() found a range": one type lookup gives both, so the
  // number type the fraud controls need costs the hook path nothing beyond the validity check it already made.
  const type = parsed.getType();
  return {
    ok: true,
    e164: parsed.number,
    country: parsed.country,
    valid: type !== undefined,
    type,
    // From the same parse: the hook path parses each number once.
    masked: maskDigits(parsed.number.slice(1), parsed.countryCallingCode),
  };
}

/** A region libphonenumber has metadata for: DEFAULT_PHONE_REGION and the fraud controls' country lists. */
export function isSupportedRegion(region: string): boolean {
  return isSupportedCountry(region);
}

/**
 * A phone number safe to log: the country calling code and the last two digits, e.g. "+1•••••••12".
 * Support staff can match it against what a user reads out; it does not identify the number.
 */
export function maskPhoneNumber(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  if (digits.length < 6) return '•••';
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  return maskDigits(digits, parsed?.countryCallingCode ?? digits.slice(0, 1));
}

function maskDigits(digits: string, countryCallingCode: string): string {
  if (digits.length < 6) return '•••';
  const hidden = digits.length - countryCallingCode.length - 2;
  return `+${countryCallingCode}${'•'.repeat(Math.max(hidden, 1))}${digits.slice(-2)}`;
}
