import type { FaultKind } from '../faults/fault-config.ts';
import type { Channel, ProviderName } from '../providers.ts';

/** One `<Say>` or `<Pause>` of a call script, in order. */
export type SpeechSegment =
  | { kind: 'say'; text: string; language: string; voice: string; loop: number }
  | { kind: 'pause'; seconds: number };

/** What a voice call would speak, reconstructed from its TwiML. */
export interface Speech {
  /** Every `<Say>` text in order, each repeated `loop` times (a loop of 0, "until hang-up", is written once). */
  text: string;
  /** Language, voice and loop count of the first `<Say>` (see `segments` for the others). */
  language: string;
  voice: string;
  loops: number;
  segments: readonly SpeechSegment[];
}

export const OUTCOMES = ['accepted', 'rejected', 'faulted'] as const;
/**
 * accepted: the provider took the message or call. rejected: the request itself was refused (auth, validation,
 * magic numbers). faulted: an injected fault answered instead of the provider's normal behaviour.
 */
export type Outcome = (typeof OUTCOMES)[number];

interface RecordBase {
  /** The simulator's own sequence id ("1", "2", …), unique until the store is reset. */
  id: string;
  provider: ProviderName;
  channel: Channel;
  /** Epoch milliseconds at which the request arrived. */
  receivedAt: number;
}

/** One step of a message's or call's life, as the simulated provider reported it. */
export interface StatusChange {
  status: string;
  /** Epoch milliseconds. */
  at: number;
  /** The provider's error code reported with this status (Twilio 30003, Vonage err-code, SendGrid SMTP status). */
  errorCode?: number | string;
}

export interface AcceptedRecord extends RecordBase {
  outcome: 'accepted';
  /**
   * The provider's id for the resource: Twilio SM…/CA…, Vonage message-id (the first part's) or call uuid,
   * SendGrid X-Message-Id.
   */
  sid: string;
  /** The account the request authenticated as: Twilio AccountSid, Vonage api key / application id, SendGrid key name. */
  accountSid: string;
  /** As sent: E.164 for Twilio, digits without '+' for Vonage, an e-mail address for SendGrid (the first recipient). */
  to: string;
  /** Null when a Twilio Messaging Service picks the sender. */
  from: string | null;
  /** The provider's current status for the resource (Twilio: queued, accepted, sent, delivered…). */
  status: string;
  /** Every status the resource went through, oldest first (the first is the status answered at creation). */
  statusHistory?: readonly StatusChange[];
  /** The error code of the latest status, when it carried one. */
  errorCode?: number | string;
  messagingServiceSid?: string;
  body?: string;
  numSegments?: number;
  numMedia?: number;
  /** Voice calls with inline TwiML. */
  speech?: Speech;
  /** Voice calls whose TwiML lives elsewhere (not fetched by the simulator). */
  url?: string;
  applicationSid?: string;
  /** Seconds the provider may keep the message queued (Twilio ValidityPeriod). */
  validityPeriod?: number;
  statusCallback?: string;
  statusCallbackMethod?: string;
  statusCallbackEvents?: readonly string[];
  /** Seconds a call may ring (Twilio Timeout, Vonage ringing_timer). */
  timeout?: number;
  /** Vonage SMS: the message-id of every part of a concatenated SMS (the first is `sid`). */
  messageParts?: readonly string[];
  /** Vonage SMS: client-ref as sent. */
  clientRef?: string;
  /** Vonage SMS: ttl in milliseconds. */
  ttlMs?: number;
  /** Vonage SMS: type (text or unicode). */
  smsType?: string;
  /** Vonage voice: the conversation the call belongs to. */
  conversationUuid?: string;
  /** Vonage voice: length_timer (seconds). */
  lengthTimer?: number;
  /** E-mail: subject line. */
  subject?: string;
  /** E-mail: every recipient (to, cc, bcc of every personalization). */
  recipients?: readonly string[];
  /** E-mail: the text/html content, when one was sent. */
  html?: string;
  /**
   * Things the real provider accepts but that would go wrong on the phone (e.g. non-GSM characters in a Vonage
   * SMS of type text): shown in the inbox, so that a test or a newcomer notices.
   */
  warnings?: readonly string[];
}

export interface RejectedRecord extends RecordBase {
  outcome: 'rejected' | 'faulted';
  /** As the client sent them (absent when it did not). */
  to: string | null;
  from: string | null;
  /** Null when no answer was sent at all (a hung request). */
  httpStatus: number | null;
  errorCode: number | null;
  errorMessage: string;
  /** Set for outcome 'faulted': which injected fault answered. */
  fault?: FaultKind;
}

export type SimRecord = AcceptedRecord | RejectedRecord;
