import {
  type SendResult,
  type SpokenAs,
  VOICE_STATUS_EVENTS,
  type VoiceCallRequest,
  type VoiceProvider,
} from '../adapters.ts';
import { ProviderError } from '../errors.ts';
import { createSpeechCatalog, type SpeechCatalog } from '../voice/phrases.ts';
import type { TwilioClient } from './client.ts';
import { classifyTwilioError } from './errors.ts';
import { buildOtpTwiml } from './voice-twiml.ts';

export interface TwilioVoiceSettings {
  /** A Twilio number (or verified caller ID) in E.164: calls need a From, there is no messaging-service twin. */
  fromNumber: string;
  /** Phrases and voices per locale; default: the shipped catalog. */
  speech?: SpeechCatalog;
  /** Silence before and between repetitions, seconds. */
  pauseSeconds?: number;
}

/** Twilio accepts Timeout from 1 s to 600 s (default 60). */
const MAX_RING_SECONDS = 600;

/**
 * Places a call through Calls.json whose inline TwiML speaks the code. The code travels only in the `Twiml`
 * form parameter of the POST body: never in a URL (no TwiML Bin, no `Url` with a query string), so it appears
 * in no request log or callback.
 */
export class TwilioVoiceProvider implements VoiceProvider {
  readonly name = 'twilio';
  readonly channel = 'voice' as const;
  readonly #client: TwilioClient;
  readonly #fromNumber: string;
  readonly #speech: SpeechCatalog;
  readonly #pauseSeconds: number | undefined;

  constructor(client: TwilioClient, settings: TwilioVoiceSettings) {
    if (!settings.fromNumber) {
      throw new Error('twilio voice needs TWILIO_VOICE_FROM_NUMBER or TWILIO_FROM_NUMBER');
    }
    this.#client = client;
    this.#fromNumber = settings.fromNumber;
    this.#speech = settings.speech ?? createSpeechCatalog();
    this.#pauseSeconds = settings.pauseSeconds;
  }

  speechFor(locale: string | undefined): SpokenAs {
    const { matched, language, voice } = this.#speech.resolve(locale);
    return { matched, language, voice };
  }

  async placeCall(request: VoiceCallRequest): Promise<SendResult> {
    const speech = this.#speech.resolve(request.locale);
    let twiml: string;
    try {
      twiml = buildOtpTwiml({
        otpCode: request.otpCode,
        speech,
        repeat: request.repeat,
        ...(this.#pauseSeconds === undefined ? {} : { pauseSeconds: this.#pauseSeconds }),
      });
    } catch (error) {
      throw new ProviderError({
        kind: 'bad-request',
        provider: this.name,
        code: 'twiml',
        safeMessage: `could not build the call script: ${error instanceof Error ? error.message : 'error'}`,
      });
    }
    const callbacks = request.statusCallbackUrl
      ? {
          statusCallback: request.statusCallbackUrl,
          statusCallbackEvent: [...(request.statusCallbackEvents ?? VOICE_STATUS_EVENTS)],
          statusCallbackMethod: 'POST' as const,
        }
      : {};
    try {
      const call = await this.#client.calls.create({
        to: request.to,
        from: this.#fromNumber,
        twiml,
        timeout: Math.min(Math.max(Math.floor(request.ringTimeoutSeconds), 1), MAX_RING_SECONDS),
        ...callbacks,
      });
      return { provider: this.name, providerMessageId: call.sid, providerStatus: call.status };
    } catch (error) {
      throw classifyTwilioError(error);
    }
  }
}
