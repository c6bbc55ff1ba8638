import './instrumentation.ts';
import { loadConfigOrExit } from '@byot/config';
import {
  emailEscalationsFromConfig,
  routesFor,
  startChannelWorker,
  TenantRoutes,
  type VoiceRouteSettings,
} from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { ByotMetrics } from '@byot/telemetry';
import { openTenantsOrExit, settingsForTenant } from '@byot/tenancy';
import { voiceWorkerEnvSchema } from './config.ts';

const config = loadConfigOrExit(voiceWorkerEnvSchema, 'voice-worker');
const log = createLogger({ service: 'voice-worker', level: config.LOG_LEVEL });
const metrics = new ByotMetrics({ service: 'voice-worker' });

// The tenants this worker calls for: the tenants file (re-read on SIGHUP and on change), or the environment as
// the one tenant `default`. A removed tenant's queued work is kept for as long as its delivery records are.
const tenants = openTenantsOrExit(
  { environment: config, log, retainRemovedMs: config.DELIVERY_RETENTION_SECONDS * 1000 },
  'voice-worker',
);
// With a tenants file the delivery metrics carry the tenant (a bounded label: the file's ids).
if (tenants.directory.origin === 'file') metrics.labelByTenant();

await startChannelWorker({
  service: 'voice-worker',
  // With a tenants file each send job leaves its tenant's fair-share waiting line as it starts (ADR 0020).
  fairShare: tenants.directory.origin === 'file',
  channel: 'voice',
  env: config,
  concurrency: config.VOICE_WORKER_CONCURRENCY,
  log,
  events: metrics.deliveryEvents,
  metrics,
  processor: async () => {
    // Each tenant's voice providers in its order (VOICE_PROVIDERS / `voice:`), with its own accounts, caller IDs
    // and callback paths, and its e-mail last resort; built for every tenant at start.
    const routes = new TenantRoutes({
      directory: tenants.directory,
      log,
      build: async (tenant, { credentialSet }) => {
        const settings = settingsForTenant(config, tenant) as unknown as typeof config & VoiceRouteSettings;
        return {
          routes: await routesFor('voice', settings, log, { tenant: tenant.id, credentialSet }),
          escalations: await emailEscalationsFromConfig(settings),
        };
      },
    });
    await routes.warm();
    return { routing: routes.routing };
  },
  describe: {
    tenants: tenants.directory.ids(),
    ...(tenants.file ? { tenantsFile: tenants.file } : { providers: config.VOICE_PROVIDERS }),
    emailFallback: config.EMAIL_FALLBACK,
    twilioBaseUrl: config.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    statusCallbacks: Boolean(config.STATUS_CALLBACKS && config.PUBLIC_BASE_URL),
    repeat: config.VOICE_REPEAT,
    ringTimeoutSeconds: config.VOICE_RING_TIMEOUT_SECONDS,
    languages: config.speech.languages,
  },
});
// The file watcher stops with the worker (its timers must not hold the process open after the drain).
process.once('exit', () => tenants.stop());
