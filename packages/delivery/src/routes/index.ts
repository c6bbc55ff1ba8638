import type { Channel } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import {
  type ProviderSettings,
  providerNamed,
  type SmsProvider,
  type SpeechCatalog,
  tenantCallbackPath,
  type VoiceProvider,
} from '@byot/providers';
import type { Route } from '../send/shapes.ts';
import { ringTimeoutSeconds } from './ring-timeout.ts';
import { smsText } from './sms-text.ts';

/** What every channel's routes are built from: the providers' settings and where their receipts go. */
export type RouteSettings = ProviderSettings & {
  /** Where providers post receipts; absent (or STATUS_CALLBACKS false): no callbacks are asked for. */
  PUBLIC_BASE_URL?: string | undefined;
  STATUS_CALLBACKS: boolean;
};

export type SmsRouteSettings = RouteSettings & {
  /** The providers in the operator's order of preference. */
  SMS_PROVIDERS: readonly string[];
  /** The text when Okta's own carries no code; `{code}` is replaced by it. */
  SMS_TEMPLATE: string;
};

export type VoiceRouteSettings = RouteSettings & {
  VOICE_PROVIDERS: readonly string[];
  VOICE_REPEAT: number;
  VOICE_RING_TIMEOUT_SECONDS: number;
  MIN_OTP_LIFETIME_MS: number;
  speech: SpeechCatalog;
};

export interface RouteOptions {
  /** Whose routes: its callbacks go to its own paths (`/v1/callbacks/{tenant}/…`); `default` keeps today's. */
  tenant?: string;
  /** The credential set of each provider's account (breakers per account); absent: today's breaker keys. */
  credentialSet?: (provider: string) => string | undefined;
}

/**
 * A channel's routes, in the operator's order, each a registered provider's adapter turned into "send this job":
 * the one place that knows how a send job becomes a provider request. Built from a settings object (the worker's
 * environment, or one tenant's accounts over it: tenant-routes.ts), so nothing in it is read from anywhere else.
 */
export function routesFor(
  channel: 'sms',
  settings: SmsRouteSettings,
  log: Logger,
  options?: RouteOptions,
): Promise<Route[]>;
export function routesFor(
  channel: 'voice',
  settings: VoiceRouteSettings,
  log: Logger,
  options?: RouteOptions,
): Promise<Route[]>;
export async function routesFor(
  channel: Channel,
  settings: SmsRouteSettings | VoiceRouteSettings,
  log: Logger,
  options: RouteOptions = {},
): Promise<Route[]> {
  const names =
    channel === 'sms'
      ? (settings as SmsRouteSettings).SMS_PROVIDERS
      : (settings as VoiceRouteSettings).VOICE_PROVIDERS;
  return Promise.all(
    names.map(async (name) => {
      const provider = providerNamed(name);
      const adapters = await provider.adapters();
      const path = provider.callbackPaths[channel];
      const callbackUrl = receiptUrl(settings, path && tenantCallbackPath(path, options.tenant));
      const account = options.credentialSet?.(name);
      const route =
        channel === 'sms'
          ? smsRoute(
              (adapters.sms ?? cannot(name, 'send SMS (SMS_PROVIDERS)'))(settings),
              settings as SmsRouteSettings,
              callbackUrl,
            )
          : voiceRoute(
              (adapters.voice ?? cannot(name, 'place calls (VOICE_PROVIDERS)'))(settings),
              settings as VoiceRouteSettings,
              callbackUrl,
              log,
            );
      return account === undefined ? route : { ...route, credentialSet: account };
    }),
  );
}

function cannot(name: string, what: string): never {
  throw new Error(`${name} cannot ${what}`);
}

/** The absolute URL a provider posts its receipts to, when callbacks are on. */
export function receiptUrl(settings: RouteSettings, path: string | undefined): string | undefined {
  return settings.STATUS_CALLBACKS && settings.PUBLIC_BASE_URL && path
    ? `${settings.PUBLIC_BASE_URL}${path}`
    : undefined;
}

function smsRoute(provider: SmsProvider, settings: SmsRouteSettings, callbackUrl: string | undefined): Route {
  return {
    provider: provider.name,
    send: (job, secrets) =>
      provider.sendSms({
        to: secrets.phoneE164,
        body: smsText(secrets.otpCode, secrets.message, settings.SMS_TEMPLATE),
        validitySeconds: Math.floor((job.otpExpiresAt - Date.now()) / 1000),
        clientRef: job.deliveryId,
        ...(callbackUrl ? { statusCallbackUrl: callbackUrl } : {}),
      }),
  };
}

function voiceRoute(
  provider: VoiceProvider,
  settings: VoiceRouteSettings,
  callbackUrl: string | undefined,
  log: Logger,
): Route {
  return {
    provider: provider.name,
    // Okta's msgTemplate (secrets.message) is SMS text: a call speaks its own localised phrase.
    send: (job, secrets, attempt) => {
      const ring = ringTimeoutSeconds(
        settings.VOICE_RING_TIMEOUT_SECONDS,
        job.otpExpiresAt,
        settings.MIN_OTP_LIFETIME_MS,
      );
      const speech = provider.speechFor(job.locale);
      log.debug(
        {
          eventId: job.eventId,
          attempt,
          provider: provider.name,
          locale: job.locale,
          speechLanguage: speech.language,
          ...(speech.voice ? { speechVoice: speech.voice } : {}),
          ringTimeoutSeconds: ring,
        },
        'placing call',
      );
      return provider.placeCall({
        to: secrets.phoneE164,
        otpCode: secrets.otpCode,
        ...(job.locale ? { locale: job.locale } : {}),
        repeat: settings.VOICE_REPEAT,
        ringTimeoutSeconds: ring,
        clientRef: job.deliveryId,
        // With the initiated/ringing/answered/completed events the callbacks tell answered from busy/no-answer.
        ...(callbackUrl ? { statusCallbackUrl: callbackUrl } : {}),
      });
    },
  };
}
