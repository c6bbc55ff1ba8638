import { createSimulator } from './app.ts';
import { ConfigError, loadConfig, type SimConfig } from './config.ts';
import { createJsonLogger } from './lib/logger.ts';
import { listenSimulator, type RunningSimulator } from './server.ts';

/** After a signal, how long to wait for the server to close before exiting anyway. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

function readConfig(): SimConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`provider-sim: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createJsonLogger();
const sim = createSimulator({
  twilio: {
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
    subaccounts: config.twilio.subaccounts,
    baselineLatencyMs: config.twilioLatencyMs,
  },
  vonage: config.vonage,
  sendgrid: { apiKey: config.sendgrid.apiKey },
  initialFaults: config.initialFaults,
  callbacks: config.callbacks,
  maxRecords: config.maxRecords,
  logger,
});

let running: RunningSimulator;
try {
  running = await listenSimulator(sim, {
    port: config.port,
    host: config.host,
    providerPorts: config.providerPorts,
  });
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`provider-sim: cannot listen on ${config.host}: ${reason}\n`);
  process.exit(1);
}

// The one start-up line: where to point the workers and where to watch. Never the auth token.
logger.info('provider-sim listening', {
  url: running.url,
  inbox: `${running.url}/`,
  twilioBaseUrl: running.providerUrls.twilio ?? running.url,
  providerUrls: running.providerUrls,
  twilioAccountSid: config.twilio.accountSid,
  twilioSubaccounts: config.twilio.subaccounts.map((a) => ({
    accountSid: a.accountSid,
    friendlyName: a.friendlyName,
  })),
  sandboxCredentials: config.twilio.sandboxCredentials,
  twilioLatencyMs: config.twilioLatencyMs,
  vonageRestHost: running.providerUrls.vonage ?? running.url,
  vonageApiHost: running.providerUrls.vonage ?? running.url,
  vonageApiKey: config.vonage.apiKey,
  vonageApplicationId: config.vonage.applicationId,
  vonageSandboxCredentials: config.vonage.sandboxCredentials,
  vonageVoice: sim.vonage.voiceEnabled
    ? 'enabled'
    : 'disabled: no VONAGE_PRIVATE_KEY, VONAGE_PRIVATE_KEY_PATH or VONAGE_PUBLIC_KEY',
  vonageSignedCallbacks: sim.vonage.signatureSecret !== null,
  sendgridBaseUrl: running.providerUrls.sendgrid ?? running.url,
  sendgridSandboxCredentials: config.sendgrid.sandboxCredentials,
  faults: sim.faults.snapshot(),
  callbackHosts: config.callbacks.allowedHosts,
  sendgridEventUrl: config.callbacks.sendgridEventUrl ?? null,
  sendgridEventPublicKey: sim.sendgrid.eventPublicKey,
  maxRecords: config.maxRecords,
});

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  logger.info('provider-sim stopping', { signal });
  setTimeout(() => {
    logger.error('provider-sim did not close in time; exiting', { timeoutMs: SHUTDOWN_TIMEOUT_MS });
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  void running.close().then(() => process.exit(0));
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
