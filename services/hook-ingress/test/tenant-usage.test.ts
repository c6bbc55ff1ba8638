/**
 * Usage for billing (issue 13): GET /v1/usage?from&to[&tenant] over the usage counters in a real Redis, JSON and
 * CSV; the MSP's ADMIN_TOKEN reads any tenant, a tenant's adminToken its own only; clear 400s for bad ranges. The
 * ingress counts the codes it settles itself (blocked by the fraud controls, by rule), per tenant.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, before, describe, it } from 'node:test';
import { FraudGuard, fraudPolicyFromEnv } from '@byot/fraud';
import { UsageCounters, utcDay } from '@byot/tenancy';
import { eventually, oktaHookRequest, sharedTestRedis } from '@byot/testkit';
import { TELEPHONY_HOOK_PATH } from '../src/app.ts';
import { tenantAdmins } from '../src/auth/admin-auth.ts';
import { FraudScreen } from '../src/fraud/screen.ts';
import { TenantFraudPolicies } from '../src/tenants/fraud-policies.ts';
import { HookUsage } from '../src/usage/hook-usage.ts';
import { capturedLogger } from './support/oauth-fixtures.ts';
import {
  ACME_ORG,
  GLOBEX_ORG,
  hookFrom,
  postJson,
  startTenantHarness,
  type TenantHarness,
} from './support/tenant-harness.ts';

const MSP_TOKEN = 'msp-staff-admin-token-0123456789abcdef';
let redisUrl: string;
const harnesses: TenantHarness[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness() {
  const captured = capturedLogger();
  let counters: UsageCounters | undefined;
  const h = await startTenantHarness({
    redisUrl,
    log: captured.log,
    extend: ({ producer, keyspace, directory }) => {
      counters = new UsageCounters(producer, keyspace);
      return {
        // Codes to GB refused by the fraud controls (the environment's policy: US only).
        fraud: new FraudScreen({
          guard: new FraudGuard({ redis: producer, keyPrefix: keyspace.fraud, subjectKey: randomBytes(32) }),
          policies: new TenantFraudPolicies(directory, fraudPolicyFromEnv({ ALLOWED_COUNTRIES: 'US' })),
          log: captured.log,
          timeoutMs: 1_000,
          maxOtpLifetimeMs: 1_800_000,
        }),
        usage: new HookUsage(counters, captured.log),
        usageExport: {
          counters,
          principals: tenantAdmins(MSP_TOKEN, () => directory.list()),
          tenantIds: () => directory.ids(),
        },
      };
    },
  });
  harnesses.push(h);
  return { h, counters: counters as UsageCounters, captured };
}

const hook = (h: TenantHarness, tenant: 'acme' | 'globex', phoneNumber: string) =>
  postJson(
    `${h.url}${TELEPHONY_HOOK_PATH}/${tenant}`,
    { ...oktaHookRequest({ phoneNumber }), source: hookFrom(tenant === 'acme' ? ACME_ORG : GLOBEX_ORG) },
    { authorization: tenant === 'acme' ? h.secrets.ACME_HOOK_SECRET : h.secrets.GLOBEX_HOOK_SECRET },
  );

const usage = async (h: TenantHarness, query: string, token: string, accept = 'application/json') => {
  const r = await fetch(`${h.url}/v1/usage?${query}`, {
    headers: { authorization: `Bearer ${token}`, accept },
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) };
};

const today = utcDay(Date.now());

describe('GET /v1/usage', () => {
  it("counts each tenant's blocked codes by rule and exports them per tenant, JSON and CSV", async () => {
    const { h, counters } = await harness();
    assert.equal((await hook(h, 'acme', '+447812345623')).status, 200); // GB: refused (country)
    assert.equal((await hook(h, 'acme', '+447812345624')).status, 200);
    assert.equal((await hook(h, 'globex', '+447812345625')).status, 200);
    // What the workers count at outcome, beside it (the same counters, another writer).
    await counters.record('globex', {
      kind: 'code',
      channel: 'sms',
      requestType: 'mfa',
      country: 'US',
      provider: 'twilio',
      outcome: 'sent',
    });
    await eventually(async () => {
      const r = (await usage(h, `from=${today}&to=${today}`, MSP_TOKEN)).json();
      const acme = r.tenants.find((t: { tenant: string }) => t.tenant === 'acme');
      assert.equal(acme?.total.blocked.total, 2);
    });

    const all = await usage(h, `from=${today}&to=${today}`, MSP_TOKEN);
    assert.equal(all.status, 200);
    const report = all.json();
    const byTenant = Object.fromEntries(
      report.tenants.map((t: { tenant: string; total: unknown }) => [t.tenant, t.total]),
    );
    assert.deepEqual(Object.keys(byTenant).sort(), ['acme', 'default', 'globex']);
    assert.deepEqual(byTenant.acme.blocked.byRule, { country: 2 });
    assert.deepEqual(byTenant.acme.codes.byOutcome, { blocked: 2 });
    assert.deepEqual(byTenant.acme.codes.byCountry, { GB: 2 });
    assert.deepEqual(byTenant.acme.codes.byChannel, { sms: 2 });
    assert.deepEqual(byTenant.globex.codes.byOutcome, { blocked: 1, sent: 1 });

    const csv = await usage(h, `from=${today}&to=${today}&tenant=acme`, MSP_TOKEN, 'text/csv');
    assert.equal(csv.status, 200);
    assert.match(csv.type, /^text\/csv/);
    assert.deepEqual(csv.text.trim().split('\r\n'), [
      'date,tenant,metric,channel,request_type,country,provider,outcome,count',
      `${today},acme,blocked,sms,mfa,GB,-,country,2`,
      `${today},acme,codes,sms,mfa,GB,-,blocked,2`,
    ]);
  });

  it("shows a tenant's token its own usage only", async () => {
    const { h, counters } = await harness();
    await counters.record('acme', {
      kind: 'code',
      channel: 'sms',
      requestType: 'mfa',
      country: 'GB',
      provider: 'twilio',
      outcome: 'sent',
    });
    await counters.record('globex', {
      kind: 'code',
      channel: 'sms',
      requestType: 'mfa',
      country: 'US',
      provider: 'twilio',
      outcome: 'sent',
    });
    const own = await usage(h, `from=${today}&to=${today}`, h.secrets.ACME_ADMIN_TOKEN);
    assert.equal(own.status, 200);
    assert.deepEqual(
      own.json().tenants.map((t: { tenant: string }) => t.tenant),
      ['acme'],
    );
    assert.equal(
      (await usage(h, `from=${today}&to=${today}&tenant=acme`, h.secrets.ACME_ADMIN_TOKEN)).status,
      200,
    );
    const other = await usage(h, `from=${today}&to=${today}&tenant=globex`, h.secrets.ACME_ADMIN_TOKEN);
    const unknown = await usage(h, `from=${today}&to=${today}&tenant=initech`, MSP_TOKEN);
    assert.equal(other.status, 404);
    assert.equal(unknown.status, 404);
    assert.equal(other.text, unknown.text);
    assert.ok(!other.text.includes('globex'));
    assert.equal((await usage(h, `from=${today}&to=${today}`, 'not-anyones-token-at-all')).status, 401);
  });

  it('refuses bad ranges with a clear 400', async () => {
    const { h } = await harness();
    const cases: [string, RegExp][] = [
      ['to=2026-01-31', /from must be a date as YYYY-MM-DD/],
      ['from=2026-1-1&to=2026-01-31', /from must be a date as YYYY-MM-DD/],
      ['from=2026-02-30&to=2026-03-01', /from is not a calendar date/],
      ['from=2026-03-01&to=2026-02-01', /from must not be after to/],
      ['from=2024-01-01&to=2026-01-01', /at most 401 days/],
      ['from=2026-01-01&to=2026-01-02&tenant=Not_A_Tenant', /tenant must be a tenant id/],
    ];
    for (const [query, message] of cases) {
      const r = await usage(h, query, MSP_TOKEN);
      assert.equal(r.status, 400, query);
      assert.match(r.json().error, message, query);
    }
  });
});
