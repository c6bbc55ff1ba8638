import type { Logger } from '@byot/observability';
import { createOktaSim, type OktaSim, type OktaSimOptions } from './app.ts';
import type { OktaSimConfig } from './config.ts';
import { listenOktaSim, type RunningOktaSim } from './server.ts';

/** One org of the process: the main one (`default`, PORT) or one of OKTA_SIM_ORGS. */
export interface ServedOrg {
  name: string;
  sim: OktaSim;
  running: RunningOktaSim;
  sandboxApiToken: boolean;
}

/** The options every org shares: the sandbox's behaviour. OIDC clients belong to the main org only. */
function sharedOptions(config: OktaSimConfig, logger?: Logger): OktaSimOptions {
  return {
    ...(config.users ? { users: config.users } : {}),
    resendIntervalMs: config.resendIntervalMs,
    secondTelephonyHook: config.secondTelephonyHook,
    httpHookHosts: config.httpHookHosts,
    ...(config.inboxUrl ? { inboxUrl: config.inboxUrl } : {}),
    ...(logger ? { logger } : {}),
  };
}

/**
 * Starts the main org and every extra org, each an independent simulator (its own objects, token, sign-ins and
 * hook log) on its own port of `host`. If one cannot listen, those already started are closed and the error
 * is rethrown, naming the org.
 */
export async function listenOrgs(
  config: OktaSimConfig,
  options: { logger?: Logger; closeGraceMs?: number } = {},
): Promise<ServedOrg[]> {
  const served: ServedOrg[] = [];
  const plan = [
    {
      name: 'default',
      port: config.port,
      options: {
        ...sharedOptions(config, options.logger),
        ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
        apiToken: config.apiToken,
        oidcClients: config.oidcClients,
        serviceApps: config.serviceApps,
      },
      sandboxApiToken: config.sandboxApiToken,
    },
    ...config.orgs.map((org) => ({
      name: org.name,
      port: org.port,
      options: {
        ...sharedOptions(config, options.logger?.child({ org: org.name })),
        ...(org.publicUrl ? { publicUrl: org.publicUrl } : {}),
        apiToken: org.apiToken,
      },
      sandboxApiToken: org.sandboxApiToken,
    })),
  ];
  for (const org of plan) {
    const sim = createOktaSim(org.options);
    try {
      const running = await listenOktaSim(sim, {
        port: org.port,
        host: config.host,
        ...(options.closeGraceMs !== undefined ? { closeGraceMs: options.closeGraceMs } : {}),
      });
      served.push({ name: org.name, sim, running, sandboxApiToken: org.sandboxApiToken });
    } catch (error) {
      await Promise.all(served.map((s) => s.running.close()));
      throw new Error(
        `org "${org.name}" cannot listen on ${config.host}:${org.port}: ${(error as Error).message}`,
      );
    }
  }
  return served;
}
