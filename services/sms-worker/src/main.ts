import './instrumentation.ts';
import { loadConfigOrExit } from '@byot/config';
import { CALLBACK_PATHS } from '@byot/contracts';
import {
  type Escalation,
  emailEscalationsFromConfig,
  landlineToVoiceEscalation,
  type Route,
  startChannelWorker,
} from '@byot/delivery';
import { createLogger } from '@byot/observability';
import {
  type SmsProvider,
  TwilioSmsProvider,
  twilioClientFromConfig,
  VonageSmsProvider,
  vonageClientFromConfig,
} from '@byot/providers';
import { createSendQueue } from '@byot/redis';
import { ByotMetrics } from '@byot/telemetry';
import { smsWorkerEnvSchema } from './config.ts';
import { smsText } from './sms-text.ts';

const config = loadConfigOrExit(smsWorkerEnvSchema, 'sms-worker');
const log = createLogger({ service: 'sms-worker', level: config.LOG_LEVEL });
const metrics = new ByotMetrics({ service: 'sms-worker' });

const twilioSms = new TwilioSmsProvider(twilioClientFromConfig(config), {
  ...(config.TWILIO_FROM_NUMBER ? { fromNumber: config.TWILIO_FROM_NUMBER } : {}),
  ...(config.TWILIO_MESSAGING_SERVICE_SID
    ? { messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID }
    : {}),
});
const statusCallbackUrl =
  config.STATUS_CALLBACKS && config.PUBLIC_BASE_URL
    ? `${config.PUBLIC_BASE_URL}${CALLBACK_PATHS.twilioMessages}`
    : undefined;

/** The SMS providers in the operator's order (SMS_PROVIDERS), built once per process. */
const providers: SmsProvider[] = config.SMS_PROVIDERS.map((name) =>
  name === 'twilio'
    ? twilioSms
    : new VonageSmsProvider(vonageClientFromConfig(config), config.VONAGE_FROM_NUMBER as string),
);
const routes: Route[] = providers.map((provider) => ({
  provider: provider.name,
  send: (job, secrets) =>
    provider.sendSms({
      to: secrets.phoneE164,
      body: smsText(secrets.otpCode, secrets.message, config.SMS_TEMPLATE),
      validitySeconds: Math.floor((job.otpExpiresAt - Date.now()) / 1000),
      clientRef: job.deliveryId,
      ...(statusCallbackUrl ? { statusCallbackUrl: callbackFor(provider.name) } : {}),
    }),
}));
// Built now, not at the first failure: a misconfigured last resort should stop the worker at start.
const emailLastResort = emailEscalationsFromConfig(config);

function callbackFor(provider: string): string {
  return `${config.PUBLIC_BASE_URL}${provider === 'vonage' ? CALLBACK_PATHS.vonageSms : CALLBACK_PATHS.twilioMessages}`;
}

await startChannelWorker({
  service: 'sms-worker',
  channel: 'sms',
  env: config,
  concurrency: config.SMS_WORKER_CONCURRENCY,
  log,
  events: metrics.deliveryEvents,
  metrics,
  processor: ({ connection, keyspace }) => {
    const escalations: Escalation[] = [];
    if (config.LANDLINE_TO_VOICE)
      escalations.push(landlineToVoiceEscalation(createSendQueue('voice', connection, keyspace)));
    escalations.push(...emailLastResort);
    return { routes, escalations };
  },
  describe: {
    providers: config.SMS_PROVIDERS,
    emailFallback: config.EMAIL_FALLBACK,
    landlineToVoice: config.LANDLINE_TO_VOICE,
    twilioBaseUrl: config.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    statusCallbacks: Boolean(statusCallbackUrl),
  },
});
