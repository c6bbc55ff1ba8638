import { type SendResult, type SmsProvider, type SmsRequest, segmentCount } from '../adapters.ts';
import type { TwilioClient } from './client.ts';
import { classifyTwilioError } from './errors.ts';

export interface TwilioSmsSettings {
  /** A Twilio number in E.164, or... */
  fromNumber?: string;
  /** ...a messaging service (MG...), which picks the sender. Preferred when both are set. */
  messagingServiceSid?: string;
}

/** Twilio accepts ValidityPeriod from 1 s to 36 000 s. */
const MAX_VALIDITY_SECONDS = 36_000;

export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';
  readonly channel = 'sms' as const;
  readonly #client: TwilioClient;
  readonly #settings: TwilioSmsSettings;

  constructor(client: TwilioClient, settings: TwilioSmsSettings) {
    if (!settings.fromNumber && !settings.messagingServiceSid) {
      throw new Error('twilio SMS needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID');
    }
    this.#client = client;
    this.#settings = settings;
  }

  async sendSms(request: SmsRequest): Promise<SendResult> {
    const sender = this.#settings.messagingServiceSid
      ? { messagingServiceSid: this.#settings.messagingServiceSid }
      : { from: this.#settings.fromNumber as string };
    try {
      const message = await this.#client.messages.create({
        to: request.to,
        body: request.body,
        ...sender,
        validityPeriod: Math.min(Math.max(Math.floor(request.validitySeconds), 1), MAX_VALIDITY_SECONDS),
        ...(request.statusCallbackUrl ? { statusCallback: request.statusCallbackUrl } : {}),
      });
      return {
        provider: this.name,
        providerMessageId: message.sid,
        providerStatus: message.status,
        ...segmentCount(message.numSegments),
      };
    } catch (error) {
      throw classifyTwilioError(error);
    }
  }
}
