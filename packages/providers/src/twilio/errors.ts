import twilio from 'twilio';
import {
  classifyHttpStatus,
  classifyTransportError,
  ProviderError,
  unknownProviderFailure,
} from '../errors.ts';

/**
 * What Twilio's REST errors mean, in the taxonomy of errors.ts (what the send loop does next).
 *
 * Twilio's REST error codes that say "this number cannot receive this": no retry, and no other provider would
 * do better. (21614 not mobile, 21635 landline: the voice channel may still work.) Voice (Calls.json): 21217
 * invalid number, 21214 cannot be reached, 21215 region not enabled in geo permissions (like 21408 for SMS),
 * 21216 blocked, 13224 invalid or unsupported number.
 */
const DESTINATION_PERMANENT: Record<number, string> = {
  21211: 'invalid destination number',
  21214: 'destination number cannot be reached',
  21215: 'calls to the destination region are not enabled for this account (geo permissions)',
  21216: 'destination number is blocked',
  21217: 'invalid destination number',
  21265: 'destination is a short code',
  21408: 'destination region is not enabled for this account (geo permissions)',
  21610: 'destination has unsubscribed (replied STOP)',
  21612: 'destination cannot be reached by SMS from this sender',
  21614: 'destination is not a mobile number',
  21635: 'destination is a landline',
  13224: 'destination number is invalid or unsupported',
};
const SUGGESTS_VOICE = new Set([21614, 21635, 30006]);

/** Account or configuration problems: this provider cannot serve us at all until fixed; another one may. */
const ACCOUNT_UNUSABLE: Record<number, string> = {
  20003: 'authentication with twilio failed (check TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)',
  20005: 'twilio account is not active',
  21606: 'the From number cannot send to this destination',
  21608: 'twilio trial account cannot send to unverified numbers',
  21210: "the 'From' number is not a verified caller ID of this account",
  21603: "the 'From' number or messaging service is missing",
  21659: "the 'From' number is not a twilio number of this account",
};

export function classifyTwilioError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const transport = classifyTransportError('twilio', error);
  if (transport) return transport;
  if (!(error instanceof twilio.RestException)) return unknownProviderFailure('twilio', error);
  const code = error.code ?? 0;
  const status = error.status;
  const base = { provider: 'twilio', code: String(code || status), httpStatus: status };
  if (DESTINATION_PERMANENT[code]) {
    return new ProviderError({
      ...base,
      kind: 'destination-permanent',
      safeMessage: `twilio ${code}: ${DESTINATION_PERMANENT[code]}`,
      suggestsVoice: SUGGESTS_VOICE.has(code),
    });
  }
  if (ACCOUNT_UNUSABLE[code] || status === 401 || status === 403) {
    return new ProviderError({
      ...base,
      kind: 'unavailable',
      safeMessage: `twilio ${code || status}: ${ACCOUNT_UNUSABLE[code] ?? 'request refused for this account'}`,
    });
  }
  // 20429 is Twilio's "too many requests", whatever the HTTP status it came with.
  return classifyHttpStatus('twilio', code === 20429 ? 429 : status, { code: base.code });
}
