import './instrumentation.ts';
import { loadConfigOrExit } from '@byot/config';
import {
  type Escalation,
  emailEscalationsFromConfig,
  landlineToVoiceEscalation,
  receiptUrl,
  routesFor,
  startChannelWorker,
} from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { ByotMetrics } from '@byot/telemetry';
import { smsWorkerEnvSchema } from './config.ts';

const config = loadConfigOrExit(smsWorkerEnvSchema, 'sms-worker');
const log = createLogger({ service: 'sms-worker', level: config.LOG_LEVEL });
const metrics = new ByotMetrics({ service: 'sms-worker' });

// The SMS providers in the operator's order (SMS_PROVIDERS), and the e-mail last resort, built once per process
// and now: a misconfigured provider stops the worker at start, not at the first failover.
const routes = await routesFor('sms', config, log);
const emailLastResort = await emailEscalationsFromConfig(config);

await startChannelWorker({
  service: 'sms-worker',
  channel: 'sms',
  env: config,
  concurrency: config.SMS_WORKER_CONCURRENCY,
  log,
  events: metrics.deliveryEvents,
  metrics,
  processor: ({ queues }) => {
    const escalations: Escalation[] = [];
    if (config.LANDLINE_TO_VOICE) escalations.push(landlineToVoiceEscalation(queues.voice));
    escalations.push(...emailLastResort);
    return { routes, escalations };
  },
  describe: {
    providers: config.SMS_PROVIDERS,
    emailFallback: config.EMAIL_FALLBACK,
    landlineToVoice: config.LANDLINE_TO_VOICE,
    twilioBaseUrl: config.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    statusCallbacks: Boolean(receiptUrl(config, '/')),
  },
});
