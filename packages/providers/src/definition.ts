import type { NormalisedStatus, StatusChannel } from '@byot/contracts';
import type { EmailProvider, SmsProvider, VoiceProvider } from './adapters.ts';
import type { CallbackEndpoint, CallbackOptions } from './callbacks.ts';

/**
 * Everything byot knows about one provider, in its folder, behind one object: the registry (registry.ts) lists
 * them. The definition itself loads no SDK: its adapters are imported on first use, so hook-ingress, which only
 * verifies receipts, never loads one.
 *
 * @typeParam CallbackSettings what the ingress needs to verify its callbacks (a secret, a key)
 * @typeParam Settings what its adapters are built from (credentials, senders, endpoints: the environment's names)
 */
export interface ProviderDefinition<CallbackSettings = unknown, Settings = unknown> {
  /** Its name in SMS_PROVIDERS, records, logs, metric labels and StatusEvent.provider. */
  readonly name: string;
  /** Its name for people, in messages ("Twilio callbacks are not configured"). */
  readonly displayName: string;
  /** Where its receipts of each channel are posted: a path on PUBLIC_BASE_URL, served by the ingress. */
  readonly callbackPaths: Partial<Record<StatusChannel, string>>;
  /** Its status word for a channel, in the normalised vocabulary ('unknown' when it is not one of its words). */
  normaliseStatus(channel: StatusChannel, raw: string): NormalisedStatus;
  /**
   * What one of its error codes means, in a few words a support person can repeat ("the handset unreachable",
   * read after "reported"): a code of a delivery receipt, or of a refused request (some providers number the
   * two apart); undefined for a code it does not explain.
   */
  describeCode(code: string, source: CodeSource): string | undefined;
  /** What a failure receipt's error code says about the phone number (see ReceiptFailureMeaning). */
  receiptFailureMeaning(channel: StatusChannel, errorCode: string | undefined): ReceiptFailureMeaning;
  /** Its callback endpoints: verified when `settings` are given, else (if it needs them) answered 404. */
  callbacks(settings: CallbackSettings | undefined, options: CallbackOptions): CallbackEndpoint[];
  /** Its SDK adapters, loaded on first use. */
  adapters(): Promise<ProviderAdapters<Settings>>;
}

/** The adapters a provider has, each built from the settings (one instance per credential set). */
export interface ProviderAdapters<Settings> {
  sms?(settings: Settings): SmsProvider;
  voice?(settings: Settings): VoiceProvider;
  email?(settings: Settings): EmailProvider;
}

/**
 * What a provider's failure receipt says about the phone number itself. A resend on another SMS provider reaches
 * the same handset through the same carrier: when the number is the problem (it does not exist, it is a
 * landline, its owner blocked us), another SMS provider would only fail again, or worse, succeed at annoying
 * someone who opted out. Transient and route problems (handset off, carrier filtering, queue overflow, our
 * account) are worth another route.
 */
export interface ReceiptFailureMeaning {
  /** The number cannot take this channel: do not resend on another provider of the same channel. */
  numberBad: boolean;
  /** A landline: a call may still reach it. */
  suggestsVoice: boolean;
}

export const NOTHING_ABOUT_THE_NUMBER: ReceiptFailureMeaning = { numberBad: false, suggestsVoice: false };

/** A vocabulary lookup that own-property checks (no 'toString' or '__proto__' surprises). */
export function lookupStatus(
  table: Readonly<Record<string, NormalisedStatus>>,
  raw: string,
): NormalisedStatus {
  const key = raw.trim().toLowerCase();
  return Object.hasOwn(table, key) ? (table[key] as NormalisedStatus) : 'unknown';
}

export type CodeSource = 'receipt' | 'request';

/** A code table lookup that own-property checks, like lookupStatus. */
export function lookupCode(table: Readonly<Record<string, string>>, code: string): string | undefined {
  const key = code.trim();
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
