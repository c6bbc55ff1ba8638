import { z } from 'zod';

/**
 * Okta's telephony inline hook, as documented (see shared/reference/okta-telephony-hook.md).
 * Okta may add fields at any time, so objects are "loose": unknown keys pass through and are ignored.
 */

export const OKTA_TELEPHONY_EVENT_TYPE = 'com.okta.telephony.provider';
export const OKTA_TELEPHONY_ACTION = 'com.okta.telephony.action';

export const OKTA_REQUEST_TYPES = [
  'com.okta.user.telephony.pre-enrollment',
  'com.okta.user.telephony.mfa-verification',
  'com.okta.user.telephony.account-unlock',
  'com.okta.user.telephony.password-reset',
] as const;
export type OktaRequestType = (typeof OKTA_REQUEST_TYPES)[number];

/** Short, bounded labels for logs and metrics. */
export const REQUEST_TYPE_LABEL: Record<OktaRequestType, string> = {
  'com.okta.user.telephony.pre-enrollment': 'enrollment',
  'com.okta.user.telephony.mfa-verification': 'mfa',
  'com.okta.user.telephony.account-unlock': 'unlock',
  'com.okta.user.telephony.password-reset': 'password-reset',
};

/**
 * Okta's event ids are base62-ish ("uS5871kJThSsU8qlA1LTcg"). We use them as BullMQ job ids and Redis key
 * parts, which must not contain ':' and must not be all digits, so anything outside this alphabet is refused.
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{6,128}$/;

const isoInstant = z.iso.datetime({ offset: true });

export const oktaMessageProfileSchema = z.looseObject({
  msgTemplate: z.string().max(1600).optional(),
  phoneNumber: z.string().min(1).max(40),
  otpExpires: isoInstant,
  deliveryChannel: z.string().min(1).max(40),
  otpCode: z.string().regex(/^[0-9]{4,10}$/, 'must be 4 to 10 digits'),
  locale: z.string().max(35).optional(),
});

export const oktaTelephonyRequestSchema = z.looseObject({
  eventId: z.string().regex(EVENT_ID_PATTERN, 'must be 6-128 characters of A-Z a-z 0-9 _ -'),
  eventTime: isoInstant.optional(),
  eventType: z.literal(OKTA_TELEPHONY_EVENT_TYPE),
  eventTypeVersion: z.string().optional(),
  contentType: z.string().optional(),
  cloudEventVersion: z.string().optional(),
  source: z.string().max(512).optional(),
  requestType: z.enum(OKTA_REQUEST_TYPES),
  data: z.looseObject({
    context: z
      .looseObject({
        request: z
          .looseObject({
            id: z.string().optional(),
            method: z.string().optional(),
            url: z.looseObject({ value: z.string().optional() }).optional(),
            ipAddress: z.string().optional(),
          })
          .optional(),
      })
      .optional(),
    userProfile: z
      .looseObject({
        firstName: z.string().optional(),
        lastName: z.string().optional(),
        login: z.string().max(256).optional(),
        userId: z.string().max(64).optional(),
      })
      .optional(),
    messageProfile: oktaMessageProfileSchema,
  }),
});
export type OktaTelephonyRequest = z.infer<typeof oktaTelephonyRequestSchema>;

export type OktaActionStatus = 'SUCCESSFUL' | 'PENDING' | 'FAILED';

export interface OktaActionResult {
  status: OktaActionStatus;
  provider?: string;
  transactionId?: string;
  transactionMetadata?: string;
}

export interface OktaCommandsResponse {
  commands: [{ type: typeof OKTA_TELEPHONY_ACTION; value: [OktaActionResult] }];
}

export interface OktaErrorCause {
  errorSummary: string;
  reason?: string;
  locationType?: string;
  location?: string;
  domain?: string;
}

export interface OktaErrorResponse {
  error: { errorSummary: string; errorCauses?: OktaErrorCause[] };
}

export function oktaCommands(result: OktaActionResult): OktaCommandsResponse {
  return { commands: [{ type: OKTA_TELEPHONY_ACTION, value: [result] }] };
}

export function oktaError(errorSummary: string, causes?: OktaErrorCause[]): OktaErrorResponse {
  return causes?.length ? { error: { errorSummary, errorCauses: causes } } : { error: { errorSummary } };
}

/** Okta's admin-console "Preview" tab calls the hook for real; we note it, but treat it like any call. */
export function isOktaPreview(request: OktaTelephonyRequest): boolean {
  return (request.data.context?.request?.url?.value ?? '').endsWith('/generatePreview');
}
