import { readFileSync } from 'node:fs';
import type { Vonage } from '@vonage/server-sdk';
import type { ProviderAdapters } from '../definition.ts';
import type { SpeechCatalog } from '../voice/phrases.ts';
import { createVonageClient } from './client.ts';
import { VonageSmsProvider } from './sms.ts';
import { VonageVoiceProvider } from './voice.ts';

/** The Vonage account, application and senders (the environment's names, see @byot/config vonageEnv). */
export interface VonageSettings {
  PROVIDER_TIMEOUT_MS: number;
  VONAGE_API_KEY?: string | undefined;
  VONAGE_API_SECRET?: string | undefined;
  VONAGE_APPLICATION_ID?: string | undefined;
  /** PEM text, or the path of a file holding one. */
  VONAGE_PRIVATE_KEY?: string | undefined;
  VONAGE_FROM_NUMBER?: string | undefined;
  /** The caller ID for calls; VONAGE_FROM_NUMBER when unset. */
  VONAGE_VOICE_FROM_NUMBER?: string | undefined;
  VONAGE_REST_HOST?: string | undefined;
  VONAGE_API_HOST?: string | undefined;
  speech?: SpeechCatalog | undefined;
}

/** A PEM in the variable itself, or the path of a file holding one. */
export function readPrivateKey(value: string): string {
  return value.includes('-----BEGIN') ? value.replaceAll('\\n', '\n') : readFileSync(value, 'utf8');
}

function clientFor(settings: VonageSettings): Vonage {
  if (!settings.VONAGE_API_KEY && !settings.VONAGE_APPLICATION_ID) {
    throw new Error('vonage is listed as a provider but VONAGE_* credentials are not set');
  }
  return createVonageClient({
    apiKey: settings.VONAGE_API_KEY ?? '',
    apiSecret: settings.VONAGE_API_SECRET ?? '',
    timeoutMs: settings.PROVIDER_TIMEOUT_MS,
    ...(settings.VONAGE_APPLICATION_ID ? { applicationId: settings.VONAGE_APPLICATION_ID } : {}),
    ...(settings.VONAGE_PRIVATE_KEY ? { privateKey: readPrivateKey(settings.VONAGE_PRIVATE_KEY) } : {}),
    ...(settings.VONAGE_REST_HOST ? { restHost: settings.VONAGE_REST_HOST } : {}),
    ...(settings.VONAGE_API_HOST ? { apiHost: settings.VONAGE_API_HOST } : {}),
  });
}

/** Vonage's SMS API and Voice API (inline NCCO) adapters. */
export const vonageAdapters: ProviderAdapters<VonageSettings> = {
  sms: (settings) => new VonageSmsProvider(clientFor(settings), settings.VONAGE_FROM_NUMBER ?? ''),
  voice: (settings) =>
    new VonageVoiceProvider(clientFor(settings), {
      fromNumber: settings.VONAGE_VOICE_FROM_NUMBER ?? settings.VONAGE_FROM_NUMBER ?? '',
      ...(settings.speech ? { speech: settings.speech } : {}),
    }),
};
