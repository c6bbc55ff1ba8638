import type { Channel } from '@byot/contracts';

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
}

/** One provider's SMS capability. Adapters throw ProviderError and nothing else. */
export interface SmsProvider {
  readonly name: string;
  readonly channel: Extract<Channel, 'sms'>;
  sendSms(request: SmsRequest, signal?: AbortSignal): Promise<SendResult>;
}
