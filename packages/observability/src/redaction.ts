/**
 * Redaction rules, enforced by the logger itself so no call site can forget them.
 *
 * Two layers: values under sensitive key names are replaced whatever their shape, and every string that is logged
 * has phone-number-like digit runs masked (provider error messages, for one, quote the number they refused).
 */

export const REDACTED = '[redacted]';

/** Key names whose values are never logged. Matched case-insensitively against the whole key. */
const SENSITIVE_KEY =
  /^(otp|otpcode|code_?value|msgtemplate|message_?text|body|text|twiml|ncco|speech|phone|phonenumber|phonee164|msisdn|to|from|recipient|login|email|authorization|proxy-authorization|cookie|set-cookie|x-twilio-signature|auth|authtoken|auth_token|token|access_?token|secret|client_?secret|client_?assertion|assertion|password|api_?key|api_?secret|private_?key|sealed|secrets)$/i;

/**
 * Seven or more digits, possibly with a leading + and separators: a phone number or a long code. Not inside a
 * word, so provider ids such as "SM0f3c…" or "CA9a1…" stay readable.
 */
const PHONE_LIKE = /(?<![A-Za-z0-9])\+?\d(?:[\s().-]?\d){6,}(?![A-Za-z0-9])/;
/** A UUID (Vonage's message and call ids) is an id, not a number, however many digits it holds. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const SCRUB = new RegExp(`(${UUID.source})|${PHONE_LIKE.source}`, 'gi');

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

export function scrubString(value: string): string {
  return value.replace(SCRUB, (match, uuid: string | undefined) =>
    uuid ? match : `[number …${match.replace(/\D/g, '').slice(-2)}]`,
  );
}

/** A redacted deep copy (bounded depth and breadth, so a huge or cyclic object cannot stall logging). */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth > 8) return '[depth]';
  seen.add(value);
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => redact(item, depth + 1, seen));
  if (value instanceof Error) {
    return redact({ type: value.name, message: value.message, stack: value.stack }, depth + 1, seen);
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [key, item] of Object.entries(value)) {
    if (n++ >= 100) break;
    out[key] = isSensitiveKey(key) ? REDACTED : redact(item, depth + 1, seen);
  }
  return out;
}
