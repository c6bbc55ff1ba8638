/**
 * The fraud controls per tenant (issues 13 and 14): each tenant's `policy:` over the environment's, its own
 * counters, its own blocks — two tenants with different limits side by side through the hook, on a real Redis.
 * GET/DELETE /v1/blocks: ADMIN_TOKEN every tenant's, a tenant's adminToken its own only.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, before, describe, it } from 'node:test';
import { FraudBlocks, FraudGuard, fraudPolicyFromEnv } from '@byot/fraud';
import { oktaHookRequest, sharedTestRedis } from '@byot/testkit';
import { TELEPHONY_HOOK_PATH } from '../src/app.ts';
import { tenantAdmins } from '../src/auth/admin-auth.ts';
import { FraudScreen } from '../src/fraud/screen.ts';
import { TenantFraudPolicies } from '../src/tenants/fraud-policies.ts';
import { capturedLogger } from './support/oauth-fixtures.ts';
import {
  ACME_ORG,
  GLOBEX_ORG,
  hookFrom,
  postJson,
  startTenantHarness,
  type TenantHarness,
  tenantsYaml,
} from './support/tenant-harness.ts';

const MSP_TOKEN = 'msp-staff-admin-token-0123456789abcdef';
const NUMBER = '+14155550188';
let redisUrl: string;
const harnesses: TenantHarness[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** acme: one code per number per 15 minutes; globex: three (the environment's default is 5/15m). */
const yaml = () =>
  tenantsYaml()
    .replace('    defaultRegion: GB\n', '    defaultRegion: GB\n    policy: { limitPerNumber: 1/15m }\n')
    .replace(/( {4}adminToken: "\$\{GLOBEX_ADMIN_TOKEN\}"\n)/, '$1    policy: { limitPerNumber: 3/15m }\n');

async function harness() {
  const captured = capturedLogger();
  const h = await startTenantHarness({
    redisUrl,
    log: captured.log,
    yaml,
    extend: ({ producer, keyspace, directory }) => {
      const guard = new FraudGuard({
        redis: producer,
        keyPrefix: keyspace.fraud,
        subjectKey: randomBytes(32),
      });
      const policies = new TenantFraudPolicies(directory, fraudPolicyFromEnv({}));
      return {
        fraud: new FraudScreen({
          guard,
          policies,
          log: captured.log,
          timeoutMs: 1_000,
          maxOtpLifetimeMs: 1_800_000,
        }),
        blocks: {
          blocks: new FraudBlocks(producer, (tenantId) => guard.keys(tenantId)),
          policies,
          adminToken: tenantAdmins(MSP_TOKEN, () => directory.list()),
        },
      };
    },
  });
  harnesses.push(h);
  return { h, captured };
}

const hook = (h: TenantHarness, tenant: 'acme' | 'globex') =>
  postJson(
    `${h.url}${TELEPHONY_HOOK_PATH}/${tenant}`,
    {
      ...oktaHookRequest({ phoneNumber: NUMBER }),
      source: hookFrom(tenant === 'acme' ? ACME_ORG : GLOBEX_ORG),
    },
    { authorization: tenant === 'acme' ? h.secrets.ACME_HOOK_SECRET : h.secrets.GLOBEX_HOOK_SECRET },
  ).then((r) => r.body.commands?.[0]?.value[0]?.status ?? `HTTP ${r.status}`);

const blocksAs = async (h: TenantHarness, token: string, query = '') => {
  const r = await fetch(`${h.url}/v1/blocks${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: (await r.json()) as { blocks?: { id: string; tenantId: string }[] } };
};

describe('fraud controls per tenant', () => {
  it("applies each tenant's own limits and counters to the same number, side by side", async () => {
    const { h } = await harness();
    const acme: string[] = [];
    const globex: string[] = [];
    for (let i = 0; i < 4; i++) {
      acme.push(await hook(h, 'acme'));
      globex.push(await hook(h, 'globex'));
    }
    assert.deepEqual(acme, ['SUCCESSFUL', 'FAILED', 'FAILED', 'FAILED']);
    assert.deepEqual(globex, ['SUCCESSFUL', 'SUCCESSFUL', 'SUCCESSFUL', 'FAILED']);
  });

  it("shows and lifts a tenant's own blocks only; the MSP's token sees every tenant's", async () => {
    const { h } = await harness();
    for (let i = 0; i < 4; i++) {
      await hook(h, 'acme');
      await hook(h, 'globex');
    }
    const all = await blocksAs(h, MSP_TOKEN);
    assert.equal(all.status, 200);
    const tenantsOf = (blocks: { tenantId: string }[] = []) =>
      [...new Set(blocks.map((b) => b.tenantId))].sort();
    assert.deepEqual(tenantsOf(all.body.blocks), ['acme', 'globex']);

    const own = await blocksAs(h, h.secrets.ACME_ADMIN_TOKEN);
    assert.equal(own.status, 200);
    assert.deepEqual(tenantsOf(own.body.blocks), ['acme']);
    assert.equal((await blocksAs(h, h.secrets.ACME_ADMIN_TOKEN, '?tenant=globex')).status, 404);

    const globexBlock = all.body.blocks?.find((b) => b.tenantId === 'globex')?.id as string;
    const lift = (token: string, id: string) =>
      fetch(`${h.url}/v1/blocks/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal((await lift(h.secrets.ACME_ADMIN_TOKEN, globexBlock)).status, 404);
    assert.equal((await lift(h.secrets.GLOBEX_ADMIN_TOKEN, globexBlock)).status, 200);
    // Lifted: globex's number takes codes again; acme's is still limited.
    assert.equal(await hook(h, 'globex'), 'SUCCESSFUL');
    assert.equal(await hook(h, 'acme'), 'FAILED');
  });
});
