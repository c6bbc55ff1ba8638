/**
 * The delivery lookup per tenant (issue 13): GET /v1/deliveries/{tenant}/{eventId}. ADMIN_TOKEN (the MSP's staff)
 * sees every tenant; a tenant's adminToken sees its own and gets 404 for anything else; today's path stays for
 * `default`. Real Redis, real ledger records written by a real send.
 */
import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import { oktaHookRequest, sharedTestRedis } from '@byot/testkit';
import { TELEPHONY_HOOK_PATH } from '../src/app.ts';
import { tenantAdmins } from '../src/auth/admin-auth.ts';
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
  const h = await startTenantHarness({
    redisUrl,
    log: captured.log,
    extend: ({ store, directory }) => ({
      deliveryLookup: {
        store,
        adminToken: tenantAdmins(MSP_TOKEN, () => directory.list()),
        isTenant: (tenant) => directory.get(tenant) !== undefined,
      },
    }),
  });
  harnesses.push(h);
  return { h, captured };
}

const get = async (h: TenantHarness, path: string, token?: string) => {
  const r = await fetch(`${h.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('GET /v1/deliveries/{tenant}/{eventId}', () => {
  it("shows the MSP every tenant's delivery and each tenant its own only", async () => {
    const { h, captured } = await harness();
    const eventId = 'evtLookupBothOrgs1';
    for (const [tenant, org, secret] of [
      ['acme', ACME_ORG, h.secrets.ACME_HOOK_SECRET],
      ['globex', GLOBEX_ORG, h.secrets.GLOBEX_HOOK_SECRET],
    ] as const) {
      const r = await postJson(
        `${h.url}${TELEPHONY_HOOK_PATH}/${tenant}`,
        { ...oktaHookRequest({ eventId, phoneNumber: '+14155550123' }), source: hookFrom(org) },
        { authorization: secret },
      );
      assert.equal(r.status, 200, r.text);
    }
    const msp = await get(h, `/v1/deliveries/acme/${eventId}`, MSP_TOKEN);
    assert.equal(msp.status, 200, JSON.stringify(msp.body));
    assert.equal(msp.body.eventId, `acme.${eventId}`);
    assert.equal((await get(h, `/v1/deliveries/globex/${eventId}`, MSP_TOKEN)).status, 200);

    assert.equal((await get(h, `/v1/deliveries/acme/${eventId}`, h.secrets.ACME_ADMIN_TOKEN)).status, 200);
    // acme's token on globex's delivery, on the default tenant's path, on an unknown tenant: 404, as if nothing.
    const other = await get(h, `/v1/deliveries/globex/${eventId}`, h.secrets.ACME_ADMIN_TOKEN);
    const unknown = await get(h, `/v1/deliveries/initech/${eventId}`, MSP_TOKEN);
    const missing = await get(h, '/v1/deliveries/acme/evtNeverReceived1', h.secrets.ACME_ADMIN_TOKEN);
    assert.equal(other.status, 404);
    assert.equal(unknown.status, 404);
    assert.deepEqual(other.body, missing.body);
    assert.deepEqual(unknown.body, missing.body);
    assert.equal((await get(h, `/v1/deliveries/${eventId}`, h.secrets.ACME_ADMIN_TOKEN)).status, 404);
    // Wrong or no credential: 401, as before.
    assert.equal((await get(h, `/v1/deliveries/acme/${eventId}`, 'not-a-token-of-anyone-here')).status, 401);
    assert.equal((await get(h, `/v1/deliveries/acme/${eventId}`)).status, 401);
    for (const secret of [MSP_TOKEN, h.secrets.ACME_ADMIN_TOKEN])
      assert.ok(!captured.text().includes(secret));
  });

  it("keeps today's path for the tenant `default`", async () => {
    const { h } = await harness();
    const hook = {
      ...oktaHookRequest({ phoneNumber: '+14155550123' }),
      source: hookFrom('https://byot-test.okta.com'),
    };
    const r = await postJson(`${h.url}${TELEPHONY_HOOK_PATH}`, hook, {
      authorization: h.secrets.DEFAULT_HOOK_SECRET,
    });
    assert.equal(r.status, 200, r.text);
    const today = await get(h, `/v1/deliveries/${hook.eventId}`, MSP_TOKEN);
    assert.equal(today.status, 200);
    assert.equal(today.body.eventId, hook.eventId);
    assert.equal((await get(h, `/v1/deliveries/default/${hook.eventId}`, MSP_TOKEN)).status, 200);
  });
});
