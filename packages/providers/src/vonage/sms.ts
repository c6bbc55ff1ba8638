import type { Vonage } from '@vonage/server-sdk';
import { type SendResult, type SmsProvider, type SmsRequest, segmentCount } from '../adapters.ts';
import { classifyVonageError } from './errors.ts';

/** Vonage's SMS API takes `ttl` in ms, from 20 s to 7 days. */
const MIN_TTL_MS = 20_000;
const MAX_TTL_MS = 604_800_000;

export class VonageSmsProvider implements SmsProvider {
  readonly name = 'vonage';
  readonly channel = 'sms' as const;
  readonly #client: Vonage;
  readonly #from: string;

  /** @param from a Vonage number (E.164, with or without '+') or an alphanumeric sender id where allowed. */
  constructor(client: Vonage, from: string) {
    this.#client = client;
    this.#from = from.replace(/^\+/, '');
  }

  async sendSms(request: SmsRequest): Promise<SendResult> {
    try {
      const response = await this.#client.sms.send({
        // Vonage wants the number without '+'.
        to: request.to.replace(/^\+/, ''),
        from: this.#from,
        text: request.body,
        ttl: Math.min(Math.max(request.validitySeconds * 1000, MIN_TTL_MS), MAX_TTL_MS),
        clientRef: request.clientRef.slice(0, 40),
        ...(request.statusCallbackUrl ? { callback: request.statusCallbackUrl } : {}),
      });
      // The SDK camel-cases the answer at run time although its types keep Vonage's kebab-case names.
      const message = response.messages[0] as unknown as {
        messageId?: string;
        'message-id'?: string;
        status: string;
      };
      const id = message?.messageId ?? message?.['message-id'];
      if (!id) throw new Error('vonage accepted the message but returned no message id');
      // One entry per part of a concatenated SMS; messageCount says how many (the SDK camel-cases it too).
      const count = (response as unknown as { messageCount?: unknown; 'message-count'?: unknown })
        .messageCount;
      return {
        provider: this.name,
        providerMessageId: id,
        providerStatus: 'accepted',
        ...segmentCount(count ?? response.messages.length),
      };
    } catch (error) {
      throw classifyVonageError(error);
    }
  }
}
