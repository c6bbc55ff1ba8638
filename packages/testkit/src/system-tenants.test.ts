/**
 * The launcher with `tenants` (issue 13): the `default` tenant on today's paths and two demo orgs beside it, each
 * sending under its own Twilio subaccount, with receipts on its own callback path and its own lookup.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { oktaHookRequest } from './okta.ts';
import { type RunningSystem, startSystem } from './system.ts';
import { getDelivery, sendHook } from './system-client.ts';
import { eventually } from './waiting.ts';

let system: RunningSystem;

before(async () => {
  system = await startSystem({ failover: true, logLevel: 'info', tenants: {} });
});
after(async () => {
  await system?.stop();
});

const phone = (): string => `+1415557${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;

describe('startSystem with tenants', () => {
  it('writes a tenants file that references every secret instead of holding it', () => {
    assert.deepEqual(
      system.tenants.map((t) => t.id),
      ['acme', 'globex'],
    );
    const text = readFileSync(system.tenantsFile as string, 'utf8');
    assert.match(text, /^ {2}default:$/m);
    for (const secret of [
      system.hookSecret,
      system.env.TWILIO_AUTH_TOKEN as string,
      ...system.tenants.flatMap((t) => [t.hookSecret, t.adminToken, t.twilio.authToken]),
    ]) {
      assert.ok(!text.includes(secret), 'a secret is in the tenants file');
    }
  });

  it('keeps the single-org hook path for `default`, on the main Twilio account', async () => {
    const to = phone();
    const answer = await system.sendHook(oktaHookRequest({ phoneNumber: to }));
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    const [message] = await system.simMessages({ to });
    assert.equal(message?.accountSid, system.env.TWILIO_ACCOUNT_SID);
    assert.match(message?.statusCallback ?? '', /\/v1\/callbacks\/twilio\/messages$/);
  });

  it("sends each tenant's codes under its own subaccount, receipts on its own path, lookups its own", async () => {
    for (const tenant of system.tenants) {
      const to = phone();
      const body = oktaHookRequest({ phoneNumber: to, source: tenant.source });
      const answer = await sendHook(tenant.endpoints, body);
      assert.equal(answer.action?.status, 'SUCCESSFUL', JSON.stringify(answer.body));
      const [message] = await system.simMessages({ to });
      assert.equal(message?.accountSid, tenant.twilio.accountSid);
      assert.equal(
        new URL(message?.statusCallback ?? 'x:/').pathname,
        `/v1/callbacks/${tenant.id}/twilio/messages`,
      );
      await eventually(async () => {
        const lookup = await getDelivery(tenant.endpoints, body.eventId, tenant.id);
        assert.equal(lookup.status, 200);
        assert.equal((lookup.body as { delivery?: string }).delivery, 'delivered');
      });
    }
  });

  it("refuses one tenant's secret on another's path", async () => {
    const [acme, globex] = system.tenants;
    assert.ok(acme && globex);
    const answer = await sendHook(
      { ...acme.endpoints, hookSecret: globex.hookSecret },
      oktaHookRequest({ phoneNumber: phone(), source: acme.source }),
    );
    assert.equal(answer.status, 401);
  });
});
