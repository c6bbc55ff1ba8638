import { createLogger } from '@byot/observability';
import { ConfigError, loadConfig, type OktaSimConfig } from './config.ts';
import { listenOrgs, type ServedOrg } from './orgs.ts';

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

let orgs: ServedOrg[];
try {
  orgs = await listenOrgs(config, { logger: log });
} catch (error) {
  process.stderr.write(`okta-sim: ${(error as Error).message}\n`);
  process.exit(1);
}

// Where to point the command and the console; never the token itself.
for (const { name, sim, sandboxApiToken } of orgs) {
  log.info(
    {
      org: name,
      orgUrl: sim.publicUrl,
      sandbox: `${sim.publicUrl}/sandbox`,
      ...(name === 'default'
        ? {
            oidcIssuer: sim.issuer,
            oidcClients: config.oidcClients.map((c) => c.clientId),
            serviceApps: config.serviceApps.map((a) => a.clientId),
          }
        : {}),
      sandboxApiToken,
      users: [...sim.org.users.values()].length,
    },
    'okta-sim listening',
  );
}

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'okta-sim stopping');
  setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
  void Promise.all(orgs.map((o) => o.running.close())).then(() => process.exit(0));
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
