import { createLogger } from '@byot/observability';
import { createOktaSim } from './app.ts';
import { ConfigError, loadConfig, type OktaSimConfig } from './config.ts';
import { listenOktaSim, type RunningOktaSim } from './server.ts';

const SHUTDOWN_TIMEOUT_MS = 5_000;

function readConfig(): OktaSimConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`okta-sim: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const log = createLogger({ service: 'okta-sim', level: process.env.LOG_LEVEL ?? 'info' });
const sim = createOktaSim({
  ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
  apiToken: config.apiToken,
  oidcClients: config.oidcClients,
  ...(config.users ? { users: config.users } : {}),
  serviceApps: config.serviceApps,
  resendIntervalMs: config.resendIntervalMs,
  secondTelephonyHook: config.secondTelephonyHook,
  ...(config.inboxUrl ? { inboxUrl: config.inboxUrl } : {}),
  logger: log,
});

let running: RunningOktaSim;
try {
  running = await listenOktaSim(sim, { port: config.port, host: config.host });
} catch (error) {
  process.stderr.write(
    `okta-sim: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`,
  );
  process.exit(1);
}

// Where to point the command and the console; never the token itself.
log.info(
  {
    orgUrl: sim.publicUrl,
    sandbox: `${sim.publicUrl}/sandbox`,
    oidcIssuer: sim.issuer,
    oidcClients: config.oidcClients.map((c) => c.clientId),
    sandboxApiToken: config.sandboxApiToken,
    serviceApps: config.serviceApps.map((a) => a.clientId),
    users: [...sim.org.users.values()].length,
  },
  'okta-sim listening',
);

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'okta-sim stopping');
  setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
  void running.close().then(() => process.exit(0));
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
