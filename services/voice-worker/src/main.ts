import './instrumentation.ts';
import { loadConfigOrExit } from '@byot/config';
import { emailEscalationsFromConfig, receiptUrl, routesFor, startChannelWorker } from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { ByotMetrics } from '@byot/telemetry';
import { voiceWorkerEnvSchema } from './config.ts';

const config = loadConfigOrExit(voiceWorkerEnvSchema, 'voice-worker');
const log = createLogger({ service: 'voice-worker', level: config.LOG_LEVEL });
const metrics = new ByotMetrics({ service: 'voice-worker' });

// The voice providers in the operator's order (VOICE_PROVIDERS), and the e-mail last resort, built at start.
const routes = await routesFor('voice', config, log);
const escalations = await emailEscalationsFromConfig(config);

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
    statusCallbacks: Boolean(receiptUrl(config, '/')),
    repeat: config.VOICE_REPEAT,
    ringTimeoutSeconds: config.VOICE_RING_TIMEOUT_SECONDS,
    languages: config.speech.languages,
  },
});
