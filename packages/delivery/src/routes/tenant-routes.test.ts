/**
 * Per-tenant registries across reloads: a job is sent with its own tenant's routes; a changed tenant's next job
 * gets routes built from the new settings while a job holding the old ones keeps them; a removed tenant's work
 * under way still finds its routes until the retention ends, then fails as an unknown tenant.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '@byot/observability';
import { type Tenant, TenantDirectory, type TenantsConfig } from '@byot/tenancy';
import { UnknownTenantError } from '../send/routing.ts';
import { breakerCredentialSet, TenantRoutes } from './tenant-routes.ts';

const log = createLogger({ service: 'test', destination: new PassThrough() });

function tenant(id: string, accountSid: string): Tenant {
  return Object.freeze({
    id,
    origin: 'file' as const,
    hookAuth: { oauthClients: [] },
    defaultRegion: 'US',
    sms: ['twilio' as const],
    voice: ['twilio' as const],
    emailFallback: 'off' as const,
    twilio: { accountSid, authToken: 'token-of-the-account', fromNumber: '+15005550006' },
  });
}

function config(...tenants: Tenant[]): TenantsConfig {
  return { origin: 'file', tenants: new Map(tenants.map((t) => [t.id, t])) };
}

const A1 = `AC${'1'.repeat(32)}`;
const A2 = `AC${'2'.repeat(32)}`;
const B = `AC${'3'.repeat(32)}`;

describe('TenantRoutes', () => {
  it('builds once per version of a tenant, keeps old routes for work holding them, and forgets removed tenants', async () => {
    let now = 0;
    const directory = new TenantDirectory(config(tenant('acme', A1), tenant('globex', B)), {
      retainRemovedMs: 1_000,
      now: () => now,
    });
    const builds: string[] = [];
    const routes = new TenantRoutes({
      directory,
      log,
      build: async (t, { credentialSet }) => {
        builds.push(`${t.id}:${t.twilio?.accountSid}`);
        return {
          routes: [
            {
              provider: 'twilio',
              ...(credentialSet('twilio') ? { credentialSet: credentialSet('twilio') as string } : {}),
              send: async () => ({ provider: 'twilio', providerMessageId: t.id, providerStatus: 'queued' }),
            },
          ],
          escalations: [],
        };
      },
    });
    const warmed = await routes.warm();
    assert.deepEqual(
      warmed.map((r) => r.tenant),
      ['acme', 'globex'],
    );
    const before = await routes.routing({ tenant: 'acme' });
    assert.equal(await routes.routing({ tenant: 'acme' }), before, 'built again for the same settings');
    assert.notEqual(
      before.routes[0]?.credentialSet,
      (await routes.routing({ tenant: 'globex' })).routes[0]?.credentialSet,
    );

    // acme moves to another subaccount; globex is removed.
    directory.replace(config(tenant('acme', A2)));
    const after = await routes.routing({ tenant: 'acme' });
    assert.notEqual(after, before);
    assert.notEqual(after.routes[0]?.credentialSet, before.routes[0]?.credentialSet);
    assert.equal(before.routes[0]?.credentialSet, breakerCredentialSet(tenant('acme', A1), 'twilio'));
    // globex's queued work still finds its routes within the retention, not after.
    assert.equal((await routes.routing({ tenant: 'globex' })).tenant, 'globex');
    now = 1_001;
    await assert.rejects(routes.routing({ tenant: 'globex' }), UnknownTenantError);
    await assert.rejects(routes.routing({}), UnknownTenantError, 'no default tenant in this file');
    assert.deepEqual(builds, [`acme:${A1}`, `globex:${B}`, `acme:${A2}`]);
    routes.stop();
  });

  it("keeps today's breaker keys for the default tenant, and gives every other tenant its account's", () => {
    assert.equal(breakerCredentialSet(tenant('default', A1), 'twilio'), undefined);
    const acme = breakerCredentialSet(tenant('acme', A1), 'twilio');
    assert.match(acme ?? '', /^[0-9a-f]{12}$/);
    assert.equal(breakerCredentialSet(tenant('globex', A1), 'twilio'), acme, 'one account, one breaker');
    assert.equal(breakerCredentialSet(tenant('acme', A1), 'vonage'), undefined, 'no Vonage account');
  });
});
