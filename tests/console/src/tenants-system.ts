import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DemoTenant,
  demoTenants,
  demoTenantsFile,
  eventually,
  getFreePort,
  type HookAnswer,
  type OktaHookRequest,
  type RunningSystem,
  sendHook,
  simSubaccounts,
  startSystem,
} from '@byot/testkit';

/**
 * The real system serving several customer orgs from a tenants file (TENANTS_FILE): hook-ingress (and its
 * console on the admin port) and the sms-worker read the same file, each tenant has its own hook secret, admin
 * token and Twilio subaccount on the simulator. `tenants` are all that may ever be in the file — their secrets are
 * in every process's environment from the start — and `initial` those written at first; `rewrite` changes the
 * file, which the services reload on their own (they watch it).
 */
export interface TenantsSystem {
  system: RunningSystem;
  tenants: Map<string, DemoTenant>;
  consoleUrl: string;
  /** One hook on the tenant's own path, with its own secret and its org as `source`. */
  sendHook(tenant: string, hook: OktaHookRequest): Promise<HookAnswer>;
  /** The tenant's delivery as `GET /v1/deliveries/{tenant}/{eventId}` answers the MSP's ADMIN_TOKEN. */
  lookup(tenant: string, eventId: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Writes the file with these tenants, and waits until the ingress serves exactly them. */
  rewrite(ids: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Each tenant's per-number limit, so real traffic makes blocks in both. */
export const TENANT_LIMIT_PER_NUMBER = '2/15m';

export async function startTenantsSystem(ids: string[], initial: string[]): Promise<TenantsSystem> {
  const all = demoTenants(ids);
  const tenants = new Map(all.map((t) => [t.id, t]));
  const folder = await mkdtemp(join(tmpdir(), 'byot-console-tenants-'));
  const file = join(folder, 'tenants.yaml');
  const { env } = demoTenantsFile(all);
  const yamlOf = (chosen: string[]) =>
    demoTenantsFile(all.filter((t) => chosen.includes(t.id))).yaml.replaceAll(
      '    defaultRegion: US\n',
      `    defaultRegion: US\n    policy: { limitPerNumber: ${TENANT_LIMIT_PER_NUMBER} }\n`,
    );
  writeFileSync(file, yamlOf(initial));
  const adminPort = await getFreePort();
  const system = await startSystem({
    logLevel: 'info',
    simEnv: { SIM_TWILIO_SUBACCOUNTS: simSubaccounts(all) },
    ingressEnv: { ...env, TENANTS_FILE: file, ADMIN_PORT: String(adminPort) },
    workerEnv: { ...env, TENANTS_FILE: file },
  });
  const endpointsOf = (tenant: DemoTenant) => ({
    ...system,
    hookUrl: `${system.ingressUrl}/v1/okta/telephony/${tenant.id}`,
    hookSecret: tenant.hookSecret,
  });
  const known = (id: string) => {
    const tenant = tenants.get(id);
    if (!tenant) throw new Error(`no demo tenant ${id}`);
    return tenant;
  };
  const lookup: TenantsSystem['lookup'] = async (tenant, eventId) => {
    const response = await fetch(`${system.ingressUrl}/v1/deliveries/${tenant}/${eventId}`, {
      headers: { authorization: `Bearer ${system.adminToken}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    system,
    tenants,
    consoleUrl: `http://127.0.0.1:${adminPort}/console`,
    sendHook(id, hook) {
      const tenant = known(id);
      // Okta's `source` is the org's inline hook: the ingress checks it is this tenant's oktaOrg.
      const body = { ...hook, source: `${tenant.oktaOrg}/api/v1/inlineHooks/calz6lVQA77AwFeEe0g3` };
      return sendHook(endpointsOf(tenant), body);
    },
    lookup,
    async rewrite(chosen) {
      writeFileSync(file, yamlOf(chosen));
      // Reloaded once every chosen tenant's hook path answers (401: no credential) and every other one is the 404
      // of an unknown path.
      await eventually(
        async () => {
          for (const id of ids) {
            const response = await fetch(`${system.ingressUrl}/v1/okta/telephony/${id}`, { method: 'POST' });
            await response.body?.cancel();
            if ((response.status === 404) === chosen.includes(id)) throw new Error(`${id}: not reloaded yet`);
          }
        },
        { timeoutMs: 15_000, intervalMs: 250 },
      );
    },
    async stop() {
      await system.stop();
    },
  };
}
