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

export interface AcceptedRecord extends RecordBase {
  outcome: 'accepted';
  /** The provider's id for the resource (Twilio: SM… or CA…). */
  sid: string;
  accountSid: string;
  to: string;
  /** Null when a Twilio Messaging Service picks the sender. */
  from: string | null;
  /** The provider's status for the resource (Twilio: queued, accepted, …). */
  status: string;
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
  /** Seconds a call may ring (Twilio Timeout). */
  timeout?: number;
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
