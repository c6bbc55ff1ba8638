import './instrumentation.ts';
import { loadConfigOrExit } from '@byot/config';
import { CALLBACK_PATHS } from '@byot/contracts';
import { type Escalation, emailEscalationsFromConfig, type Route, startChannelWorker } from '@byot/delivery';
import { createLogger } from '@byot/observability';
import {
  TwilioVoiceProvider,
  twilioClientFromConfig,
  type VoiceProvider,
  VonageVoiceProvider,
  vonageClientFromConfig,
} from '@byot/providers';
import { ByotMetrics } from '@byot/telemetry';
import { voiceWorkerEnvSchema } from './config.ts';
import { ringTimeoutSeconds } from './ring-timeout.ts';

const config = loadConfigOrExit(voiceWorkerEnvSchema, 'voice-worker');
const log = createLogger({ service: 'voice-worker', level: config.LOG_LEVEL });
const metrics = new ByotMetrics({ service: 'voice-worker' });

const twilioVoice = new TwilioVoiceProvider(twilioClientFromConfig(config), {
  fromNumber: config.voiceFromNumber,
  speech: config.speech,
});
// With the initiated/ringing/answered/completed events, the callbacks tell answered from busy / no-answer / failed.
const statusCallbackUrl =
  config.STATUS_CALLBACKS && config.PUBLIC_BASE_URL
    ? `${config.PUBLIC_BASE_URL}${CALLBACK_PATHS.twilioCalls}`
    : undefined;

/** The voice providers in the operator's order (VOICE_PROVIDERS). */
const providers: VoiceProvider[] = config.VOICE_PROVIDERS.map((name) =>
  name === 'twilio'
    ? twilioVoice
    : new VonageVoiceProvider(vonageClientFromConfig(config), {
        fromNumber: (config.VONAGE_VOICE_FROM_NUMBER ?? config.VONAGE_FROM_NUMBER) as string,
        speech: config.speech,
      }),
);
const routes: Route[] = providers.map((provider) => ({
  provider: provider.name,
  // Okta's msgTemplate (secrets.message) is SMS text: a call speaks its own localised phrase.
  send: (job, secrets, attempt) => {
    const ring = ringTimeoutSeconds(
      config.VOICE_RING_TIMEOUT_SECONDS,
      job.otpExpiresAt,
      config.MIN_OTP_LIFETIME_MS,
    );
    const speech = twilioVoice.speechFor(job.locale);
    log.debug(
      {
        eventId: job.eventId,
        attempt,
        provider: provider.name,
        locale: job.locale,
        speechLanguage: speech.language,
        speechVoice: speech.voice,
        ringTimeoutSeconds: ring,
      },
      'placing call',
    );
    return provider.placeCall({
      to: secrets.phoneE164,
      otpCode: secrets.otpCode,
      ...(job.locale ? { locale: job.locale } : {}),
      repeat: config.VOICE_REPEAT,
      ringTimeoutSeconds: ring,
      clientRef: job.deliveryId,
      ...(statusCallbackUrl
        ? {
            statusCallbackUrl: `${config.PUBLIC_BASE_URL}${provider.name === 'vonage' ? CALLBACK_PATHS.vonageVoice : CALLBACK_PATHS.twilioCalls}`,
          }
        : {}),
    });
  },
}));
const escalations: Escalation[] = emailEscalationsFromConfig(config);

await startChannelWorker({
  service: 'voice-worker',
  channel: 'voice',
  env: config,
  concurrency: config.VOICE_WORKER_CONCURRENCY,
  log,
  events: metrics.deliveryEvents,
  metrics,
  processor: () => ({ routes, escalations }),
  describe: {
    providers: config.VOICE_PROVIDERS,
    emailFallback: config.EMAIL_FALLBACK,
    twilioBaseUrl: config.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    statusCallbacks: Boolean(statusCallbackUrl),
    repeat: config.VOICE_REPEAT,
    ringTimeoutSeconds: config.VOICE_RING_TIMEOUT_SECONDS,
    languages: config.speech.languages,
  },
});
