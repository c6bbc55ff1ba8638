import type { ProviderAdapters } from '../definition.ts';
import type { SpeechCatalog } from '../voice/phrases.ts';
import { createTwilioClient } from './client.ts';
import { TwilioSmsProvider } from './sms.ts';
import { TwilioVoiceProvider } from './voice.ts';

/** The Twilio account and senders (the environment's names, see @byot/config twilioEnv and the workers' config). */
export interface TwilioSettings {
  PROVIDER_TIMEOUT_MS: number;
  TWILIO_ACCOUNT_SID: string;
  TWILIO_AUTH_TOKEN: string;
  TWILIO_API_BASE_URL?: string | undefined;
  TWILIO_FROM_NUMBER?: string | undefined;
  TWILIO_MESSAGING_SERVICE_SID?: string | undefined;
  /** The caller ID for calls; TWILIO_FROM_NUMBER when unset. */
  TWILIO_VOICE_FROM_NUMBER?: string | undefined;
  /** Phrases and voices per locale (VOICE_PHRASES_JSON / VOICE_VOICES_JSON); default: the shipped catalog. */
  speech?: SpeechCatalog | undefined;
}

function clientFor(settings: TwilioSettings) {
  return createTwilioClient({
    accountSid: settings.TWILIO_ACCOUNT_SID,
    authToken: settings.TWILIO_AUTH_TOKEN,
    timeoutMs: settings.PROVIDER_TIMEOUT_MS,
    ...(settings.TWILIO_API_BASE_URL ? { apiBaseUrl: settings.TWILIO_API_BASE_URL } : {}),
  });
}

/** Twilio's SMS (Messages) and voice (Calls with inline TwiML) adapters, one client per credential set. */
export const twilioAdapters: ProviderAdapters<TwilioSettings> = {
  sms: (settings) =>
    new TwilioSmsProvider(clientFor(settings), {
      ...(settings.TWILIO_FROM_NUMBER ? { fromNumber: settings.TWILIO_FROM_NUMBER } : {}),
      ...(settings.TWILIO_MESSAGING_SERVICE_SID
        ? { messagingServiceSid: settings.TWILIO_MESSAGING_SERVICE_SID }
        : {}),
    }),
  voice: (settings) =>
    new TwilioVoiceProvider(clientFor(settings), {
      fromNumber: settings.TWILIO_VOICE_FROM_NUMBER ?? settings.TWILIO_FROM_NUMBER ?? '',
      ...(settings.speech ? { speech: settings.speech } : {}),
    }),
};
