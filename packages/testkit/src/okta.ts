import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { OktaRequestType } from '@byot/contracts';

/**
 * Okta's telephony inline hook request, shaped after Okta's published sample (eventId "uS5871kJThSsU8qlA1LTcg",
 * pre-enrollment, "(HOOK)Your code is 11111"…), with every field present so tests can read them directly.
 * A type alias, not an interface, so it stays assignable to @byot/contracts' (loose) OktaTelephonyRequest.
 */
export type OktaHookRequest = {
  eventId: string;
  eventTime: string;
  eventType: 'com.okta.telephony.provider';
  eventTypeVersion: string;
  contentType: string;
  cloudEventVersion: string;
  source: string;
  requestType: OktaRequestType;
  data: {
    context: {
      request: { id: string; method: string; url: { value: string }; ipAddress: string };
    };
    userProfile: { firstName: string; lastName: string; login: string; userId: string };
    messageProfile: {
      msgTemplate: string;
      phoneNumber: string;
      otpExpires: string;
      deliveryChannel: string;
      otpCode: string;
      locale: string;
    };
  };
};

export interface OktaHookOverrides {
  eventId?: string;
  /** Default "+12025550143" (a 555-01xx number, reserved for fiction, valid for libphonenumber). */
  phoneNumber?: string;
  /** Default "SMS". Okta's docs also spell voice "CALL", "voice call" and "voice". */
  deliveryChannel?: string;
  /** Default: random 6 digits. */
  otpCode?: string;
  /** Default `Your code is ${otpCode}`. */
  msgTemplate?: string;
  /** otpExpires - eventTime. Default 5 minutes, as in every Okta sample. Negative gives an expired OTP. */
  expiresInMs?: number;
  /** Default mfa-verification (sign-in), the common case. */
  requestType?: OktaRequestType;
  /** Default "EN-US". */
  locale?: string;
  /** Default "test.user@example.com". */
  login?: string;
  /** Okta's user id. Default: a fresh one per request (as many people signing in), so no test trips the per-user limit. */
  userId?: string;
  /** eventTime. Default: the current time. */
  now?: Date | number;
  /** Mark the call as coming from the admin console's Preview tab (a real send, too). */
  preview?: boolean;
  /** The calling org's hook URL (a tenant's hooks must come from its `oktaOrg`). Default: TEST_OKTA_ORG's. */
  source?: string;
}

/** The Okta org test hooks come from by default (the `source` of oktaHookRequest). */
export const TEST_OKTA_ORG = 'https://byot-test.okta.com';

const FIVE_MINUTES_MS = 5 * 60_000;
const PREVIEW_URL = '/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview';
// Okta does not document the URL of a non-preview call; any path not ending in /generatePreview will do.
const SIGN_IN_URL = '/idp/idx/challenge';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A complete hook request with a fresh eventId; override only what the test is about. */
export function oktaHookRequest(overrides: OktaHookOverrides = {}): OktaHookRequest {
  const now = new Date(overrides.now ?? Date.now());
  const otpCode = overrides.otpCode ?? randomOtp();
  return {
    eventId: overrides.eventId ?? randomEventId(),
    eventTime: now.toISOString(),
    eventType: 'com.okta.telephony.provider',
    eventTypeVersion: '1.0',
    contentType: 'application/json',
    cloudEventVersion: '0.1',
    source: overrides.source ?? `${TEST_OKTA_ORG}/api/v1/inlineHooks/calz6lVQA77AwFeEe0g3`,
    requestType: overrides.requestType ?? 'com.okta.user.telephony.mfa-verification',
    data: {
      context: {
        request: {
          id: `req${randomBase62(22)}`,
          method: 'POST',
          url: { value: overrides.preview ? PREVIEW_URL : SIGN_IN_URL },
          ipAddress: '127.0.0.1',
        },
      },
      userProfile: {
        firstName: 'test',
        lastName: 'user',
        login: overrides.login ?? 'test.user@example.com',
        userId: overrides.userId ?? `00u${randomBase62(17)}`,
      },
      messageProfile: {
        msgTemplate: overrides.msgTemplate ?? `Your code is ${otpCode}`,
        phoneNumber: overrides.phoneNumber ?? '+12025550143',
        otpExpires: new Date(now.getTime() + (overrides.expiresInMs ?? FIVE_MINUTES_MS)).toISOString(),
        deliveryChannel: overrides.deliveryChannel ?? 'SMS',
        otpCode,
        locale: overrides.locale ?? 'EN-US',
      },
    },
  };
}

/**
 * 22 characters of [A-Za-z0-9], like Okta's. Never all digits: BullMQ refuses all-digit job ids, and we
 * use the eventId as one.
 */
export function randomEventId(): string {
  for (;;) {
    const id = randomBase62(22);
    if (/[A-Za-z]/.test(id)) return id;
  }
}

/** A numeric OTP; leading zeros kept (it is a string, as Okta sends it). */
export function randomOtp(digits = 6): string {
  if (!Number.isInteger(digits) || digits < 1)
    throw new RangeError(`digits must be a positive integer: ${digits}`);
  return Array.from({ length: digits }, () => String(randomInt(10))).join('');
}

/** The `Authorization` header value Okta sends for a HEADER auth scheme with Basic credentials. */
export function basicAuthHeader(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
}

function randomBase62(length: number): string {
  // randomInt is uniform (no modulo bias), unlike mapping random bytes onto 62 symbols.
  return Array.from({ length }, () => BASE62.charAt(randomInt(BASE62.length))).join('');
}

const FIXTURES = new URL('../fixtures/okta/', import.meta.url);

/** Okta's published sample request, as Okta prints it (a fresh copy each call: tests change fields). */
export function oktaSampleRequest(): Record<string, unknown> & {
  data: { messageProfile: Record<string, unknown> };
} {
  return JSON.parse(readFileSync(new URL('sample-request.json', FIXTURES), 'utf8'));
}

/** The JSON Schema of the hook request (`$defs.request`) and response (`$defs.response`), derived from Okta's OpenAPI. */
export function oktaHookSchema(): { $defs: Record<string, object> } & Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('telephony-hook.schema.json', FIXTURES), 'utf8'));
}
