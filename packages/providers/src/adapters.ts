import type { Channel } from '@byot/contracts';

/** What every provider adapter implements, per channel: the send loop knows nothing else of a provider. */

export interface SmsRequest {
  /** E.164 with '+'. */
  to: string;
  body: string;
  /** Seconds the provider may keep trying; past it the message is dropped, not delivered stale. */
  validitySeconds: number;
  /** Absolute URL for delivery receipts, when a public base URL is configured. */
  statusCallbackUrl?: string;
  /** Our delivery id, for providers that carry a client reference. */
  clientRef: string;
}

export interface SendResult {
  provider: string;
  providerMessageId: string;
  /** The provider's own status word at acceptance, e.g. "queued". */
  providerStatus: string;
  /** SMS: how many parts the provider split the text into (what it bills), when it says. */
  segments?: number;
}

/** A provider's segment count ("2", 2) as a positive integer, or nothing when it gave none that makes sense. */
export function segmentCount(value: unknown): { segments?: number } {
  const n =
    typeof value === 'string' ? Number.parseInt(value, 10) : typeof value === 'number' ? value : Number.NaN;
  return Number.isInteger(n) && n > 0 ? { segments: n } : {};
}

/** One provider's SMS capability. Adapters throw ProviderError and nothing else. */
export interface SmsProvider {
  readonly name: string;
  readonly channel: Extract<Channel, 'sms'>;
  sendSms(request: SmsRequest): Promise<SendResult>;
}

/** Twilio's call progress events a status callback can ask for; `answered` vs `completed` tells busy/no-answer apart. */
export const VOICE_STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;
export type VoiceStatusEvent = (typeof VOICE_STATUS_EVENTS)[number];

export interface VoiceCallRequest {
  /** E.164 with '+'. */
  to: string;
  /** Spoken digit by digit. Never put in a URL: adapters send it in the call's inline script only. */
  otpCode: string;
  /** Okta's locale ("EN-US", "fr-FR", "pt-BR"...); unknown or absent means English. */
  locale?: string;
  /** How many times the code is spoken. */
  repeat: number;
  /** Seconds the phone may ring before the call counts as unanswered. */
  ringTimeoutSeconds: number;
  /** Absolute URL for call progress callbacks, when a public base URL is configured. */
  statusCallbackUrl?: string;
  /** Events to report to statusCallbackUrl; default: all of VOICE_STATUS_EVENTS. */
  statusCallbackEvents?: readonly VoiceStatusEvent[];
  /** Our delivery id, for providers that carry a client reference. */
  clientRef: string;
}

/** One provider's voice capability: place a call that speaks the code. Adapters throw ProviderError only. */
export interface VoiceProvider {
  readonly name: string;
  readonly channel: Extract<Channel, 'voice'>;
  placeCall(request: VoiceCallRequest): Promise<SendResult>;
  /** What this provider speaks for a locale (for logs: the language and voice it chose, never the phrase). */
  speechFor(locale: string | undefined): SpokenAs;
}

/** The language (and, where the provider lets us choose it, the voice) a call speaks in. */
export interface SpokenAs {
  /** The catalog entry that matched the locale ("pt-BR", "fr", or "en" as the fallback). */
  matched: string;
  language: string;
  voice?: string;
}

export interface EmailRequest {
  to: string;
  subject: string;
  text: string;
  clientRef: string;
}

/** E-mail, the optional last resort. Adapters throw ProviderError and nothing else. */
export interface EmailProvider {
  readonly name: string;
  readonly channel: 'email';
  sendEmail(request: EmailRequest): Promise<SendResult>;
}
