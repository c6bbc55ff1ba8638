import { loadConfigOrExit } from '@byot/config';
import { CALLBACK_PATHS } from '@byot/contracts';
import { startChannelWorker } from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { createTwilioClient, TwilioSmsProvider } from '@byot/providers';
import { smsWorkerEnvSchema } from './config.ts';
import { smsText } from './sms-text.ts';

const config = loadConfigOrExit(smsWorkerEnvSchema, 'sms-worker');
const log = createLogger({ service: 'sms-worker', level: config.LOG_LEVEL });

const twilioSms = new TwilioSmsProvider(
  createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    ...(config.TWILIO_API_BASE_URL ? { apiBaseUrl: config.TWILIO_API_BASE_URL } : {}),
  }),
  {
    ...(config.TWILIO_FROM_NUMBER ? { fromNumber: config.TWILIO_FROM_NUMBER } : {}),
    ...(config.TWILIO_MESSAGING_SERVICE_SID
      ? { messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID }
      : {}),
  },
);
const statusCallbackUrl =
  config.STATUS_CALLBACKS && config.PUBLIC_BASE_URL
    ? `${config.PUBLIC_BASE_URL}${CALLBACK_PATHS.twilioMessages}`
    : undefined;

await startChannelWorker({
  service: 'sms-worker',
  channel: 'sms',
  env: config,
  concurrency: config.SMS_WORKER_CONCURRENCY,
  log,
  processor: () => ({
    routes: [
      {
        provider: twilioSms.name,
        send: (job, secrets) =>
          twilioSms.sendSms({
            to: secrets.phoneE164,
            body: smsText(secrets.otpCode, secrets.message, config.SMS_TEMPLATE),
            validitySeconds: Math.floor((job.otpExpiresAt - Date.now()) / 1000),
            clientRef: job.deliveryId,
            ...(statusCallbackUrl ? { statusCallbackUrl } : {}),
          }),
      },
    ],
  }),
  describe: {
    twilioBaseUrl: config.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    statusCallbacks: Boolean(statusCallbackUrl),
  },
});
