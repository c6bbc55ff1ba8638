import {
  type Channel,
  EVENT_ID_PATTERN,
  isOktaPreview,
  normalisePhoneNumber,
  type OktaErrorCause,
  type OktaRequestType,
  oktaTelephonyRequestSchema,
  parseDeliveryChannel,
} from '@byot/contracts';

/** A hook we can act on: validated, normalised, secrets still in the clear (they are sealed next). */
export interface AcceptedHook {
  eventId: string;
  requestType: OktaRequestType;
  channel: Channel;
  source: string | undefined;
  locale: string | undefined;
  preview: boolean;
  phoneE164: string;
  phoneMasked: string;
  phoneCountry: string | undefined;
  /** libphonenumber's type (full metadata): MOBILE, PREMIUM_RATE, …; undefined for a range it does not know. */
  phoneType: string | undefined;
  /** False when libphonenumber does not know the number's range; we still try (its metadata can lag). */
  phoneKnownValid: boolean;
  otpCode: string;
  message: string | undefined;
  login: string | undefined;
  /** Okta's user id (00u…): what the per-user limits count by, and (as an HMAC only) what the support console finds a person by. */
  userId: string | undefined;
  otpExpiresAt: number;
}

/**
 * Why a hook is not sent. `answer` says how Okta is told:
 * - 'error' (HTTP 400 with Okta's error object): the request itself is malformed; Okta falls back to its own
 *   providers, which is the best the person can get.
 * - 'failed' (HTTP 200, status FAILED): a well-formed request that can never be delivered.
 */
export interface HookRejection {
  answer: 'error' | 'failed';
  reason: string;
  summary: string;
  causes?: OktaErrorCause[];
  eventId?: string;
}

export interface ParseSettings {
  defaultRegion: string;
  minLifetimeMs: number;
}

export function parseHook(
  body: unknown,
  settings: ParseSettings,
  now = Date.now(),
): AcceptedHook | HookRejection {
  const parsed = oktaTelephonyRequestSchema.safeParse(body);
  if (!parsed.success) {
    return {
      answer: 'error',
      reason: 'invalid-request',
      summary: 'The telephony hook request does not match the documented shape',
      // Paths and rule names only: never the offending values, which may be secrets.
      causes: parsed.error.issues.slice(0, 10).map((issue) => ({
        errorSummary: issue.message,
        reason: issue.code,
        locationType: 'body',
        location: issue.path.join('.') || '(root)',
      })),
      ...(typeof (body as { eventId?: unknown })?.eventId === 'string' &&
      EVENT_ID_PATTERN.test((body as { eventId: string }).eventId)
        ? { eventId: (body as { eventId: string }).eventId }
        : {}),
    };
  }
  const request = parsed.data;
  const profile = request.data.messageProfile;
  const eventId = request.eventId;

  const channel = parseDeliveryChannel(profile.deliveryChannel);
  if (!channel) {
    return {
      answer: 'error',
      reason: 'unsupported-channel',
      eventId,
      summary: 'deliveryChannel must be SMS or a voice call',
      causes: [
        {
          errorSummary: 'expected "SMS", "CALL", "voice" or "voice call"',
          reason: 'unsupported-channel',
          locationType: 'body',
          location: 'data.messageProfile.deliveryChannel',
        },
      ],
    };
  }

  const phone = normalisePhoneNumber(profile.phoneNumber, settings.defaultRegion);
  if (!phone.ok) {
    return {
      answer: 'failed',
      reason: `phone-${phone.reason}`,
      eventId,
      summary:
        phone.reason === 'unparseable'
          ? 'the phone number could not be read'
          : 'the phone number is not a possible number for its region',
    };
  }

  const otpExpiresAt = Date.parse(profile.otpExpires);
  if (otpExpiresAt - now < settings.minLifetimeMs) {
    return {
      answer: 'failed',
      reason: 'otp-expired',
      eventId,
      summary:
        otpExpiresAt <= now ? 'the code had already expired' : 'the code expires too soon to be delivered',
    };
  }

  return {
    eventId,
    requestType: request.requestType,
    channel,
    source: request.source,
    locale: profile.locale,
    preview: isOktaPreview(request),
    phoneE164: phone.e164,
    phoneMasked: phone.masked,
    phoneCountry: phone.country,
    phoneType: phone.type,
    phoneKnownValid: phone.valid,
    otpCode: profile.otpCode,
    message: profile.msgTemplate,
    login: request.data.userProfile?.login,
    userId: request.data.userProfile?.userId,
    otpExpiresAt,
  };
}

export function isRejection(result: AcceptedHook | HookRejection): result is HookRejection {
  return 'answer' in result;
}
