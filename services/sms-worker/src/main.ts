import './instrumentation.ts';
import { loadConfigOrExit } from '@byot/config';
import {
  type Escalation,
  emailEscalationsFromConfig,
  landlineToVoiceEscalation,
  routesFor,
  type SmsRouteSettings,
  startChannelWorker,
  TenantRoutes,
} from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { ByotMetrics } from '@byot/telemetry';
import { openTenantsOrExit, settingsForTenant } from '@byot/tenancy';
import { smsWorkerEnvSchema } from './config.ts';

const config = loadConfigOrExit(smsWorkerEnvSchema, 'sms-worker');
const log = createLogger({ service: 'sms-worker', level: config.LOG_LEVEL });
const metrics = new ByotMetrics({ service: 'sms-worker' });

// The tenants this worker sends for: the tenants file (re-read on SIGHUP and on change), or the environment as
// the one tenant `default`. A removed tenant's queued work is kept for as long as its delivery records are.
const tenants = openTenantsOrExit(
  { environment: config, log, retainRemovedMs: config.DELIVERY_RETENTION_SECONDS * 1000 },
  'sms-worker',
);
// With a tenants file the delivery metrics carry the tenant (a bounded label: the file's ids).
if (tenants.directory.origin === 'file') metrics.labelByTenant();

const worker = await startChannelWorker({
  service: 'sms-worker',
  // With a tenants file each send job leaves its tenant's fair-share waiting line as it starts (ADR 0020).
  fairShare: tenants.directory.origin === 'file',
  channel: 'sms',
  env: config,
  concurrency: config.SMS_WORKER_CONCURRENCY,
  log,
  events: metrics.deliveryEvents,
  metrics,
  processor: async ({ queues }) => {
    // Each tenant's SMS providers in its order (SMS_PROVIDERS / `sms:`), with its own accounts, senders and
    // callback paths, and its e-mail last resort; built for every tenant now, so a misconfigured provider stops
    // the worker at start, not at the first failover.
    const routes = new TenantRoutes({
      directory: tenants.directory,
      log,
      build: async (tenant, { credentialSet }) => {
        const settings = settingsForTenant(config, tenant) as unknown as typeof config & SmsRouteSettings;
        const escalations: Escalation[] = [];
        if (config.LANDLINE_TO_VOICE) escalations.push(landlineToVoiceEscalation(queues.voice));
        escalations.push(...(await emailEscalationsFromConfig(settings)));
        return {
          routes: await routesFor('sms', settings, log, { tenant: tenant.id, credentialSet }),
          escalations,
        };
      },
    });
    await routes.warm();
    return { routing: routes.routing };
  },
  describe: {
    tenants: tenants.directory.ids(),
    ...(tenants.file ? { tenantsFile: tenants.file } : { providers: config.SMS_PROVIDERS }),
    emailFallback: config.EMAIL_FALLBACK,
    landlineToVoice: config.LANDLINE_TO_VOICE,
    twilioBaseUrl: config.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    statusCallbacks: Boolean(config.STATUS_CALLBACKS && config.PUBLIC_BASE_URL),
  },
});
// The file watcher stops with the worker (its timers must not hold the process open after the drain).
process.once('exit', () => tenants.stop());
void worker;
