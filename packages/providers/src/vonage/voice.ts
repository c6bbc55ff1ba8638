import type { Vonage } from '@vonage/server-sdk';
import type { SendResult, SpokenAs, VoiceCallRequest, VoiceProvider } from '../adapters.ts';
import { createSpeechCatalog, type SpeechCatalog } from '../voice/phrases.ts';
import { otpSentence } from '../voice/spoken-code.ts';
import { classifyVonageError } from './errors.ts';

/** Vonage rings for 1-120 s. */
const MAX_RINGING_SECONDS = 120;

export interface VonageVoiceSettings {
  /** A Vonage number in E.164 (with or without '+'). */
  fromNumber: string;
  speech?: SpeechCatalog;
}

/**
 * Places a call through Vonage's Voice API with an inline NCCO `talk` action, the same localised sentence the
 * Twilio route speaks, repeated with `loop`. Like Twilio's inline TwiML, the code travels only in the request
 * body, never in a URL; the event URL carries nothing secret.
 */
export class VonageVoiceProvider implements VoiceProvider {
  readonly name = 'vonage';
  readonly channel = 'voice' as const;
  readonly #client: Vonage;
  readonly #from: string;
  readonly #speech: SpeechCatalog;

  constructor(client: Vonage, settings: VonageVoiceSettings) {
    this.#client = client;
    this.#from = settings.fromNumber.replace(/^\+/, '');
    this.#speech = settings.speech ?? createSpeechCatalog();
  }

  /** Vonage chooses the voice for the language; the catalog's Twilio voices do not apply. */
  speechFor(locale: string | undefined): SpokenAs {
    const { matched, language } = this.#speech.resolve(locale);
    return { matched, language };
  }

  async placeCall(request: VoiceCallRequest): Promise<SendResult> {
    const speech = this.#speech.resolve(request.locale);
    try {
      const call = await this.#client.voice.createOutboundCall({
        to: [{ type: 'phone', number: request.to.replace(/^\+/, '') }],
        from: { type: 'phone', number: this.#from },
        ncco: [
          {
            action: 'talk',
            text: otpSentence(speech.intro, request.otpCode),
            language: speech.language,
            loop: request.repeat,
            bargeIn: false,
          },
        ],
        ringingTimer: Math.min(Math.max(Math.round(request.ringTimeoutSeconds), 1), MAX_RINGING_SECONDS),
        ...(request.statusCallbackUrl ? { eventUrl: [request.statusCallbackUrl], eventMethod: 'POST' } : {}),
      } as unknown as Parameters<Vonage['voice']['createOutboundCall']>[0]);
      const uuid = (call as { uuid?: string }).uuid;
      if (!uuid) throw new Error('vonage accepted the call but returned no uuid');
      return { provider: this.name, providerMessageId: uuid, providerStatus: 'started' };
    } catch (error) {
      throw classifyVonageError(error);
    }
  }
}
