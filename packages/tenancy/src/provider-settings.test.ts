import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tenantFromEnvironment } from './environment.ts';
import { loadTenantsFile } from './file/load.ts';
import {
  credentialSetOf,
  providerEnvironmentOf,
  settingsForTenant,
  sourceMatchesOrg,
} from './provider-settings.ts';
import { ACCOUNT_A, writeTwoTenantFile } from './testing/fixtures.ts';

function tenants() {
  const { file, env } = writeTwoTenantFile();
  const result = loadTenantsFile(file, { env });
  if (!result.ok) assert.fail(result.problems.join('\n'));
  const acme = result.config.tenants.get('acme');
  const globex = result.config.tenants.get('globex');
  assert.ok(acme && globex);
  return { acme, globex, env };
}

describe("a tenant's provider settings", () => {
  it('are the deployment settings with the tenant accounts in place, never the environment ones', () => {
    const { acme, globex, env } = tenants();
    const deployment = {
      PROVIDER_TIMEOUT_MS: 5_000,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
      TWILIO_ACCOUNT_SID: `AC${'e'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'environment-token-000000',
      VONAGE_API_KEY: 'environment-vonage',
      SMS_PROVIDERS: ['twilio', 'vonage'],
    };
    const forGlobex = settingsForTenant(deployment, globex);
    assert.equal(forGlobex.PROVIDER_TIMEOUT_MS, 5_000);
    assert.equal(forGlobex.TWILIO_API_BASE_URL, 'http://127.0.0.1:4010');
    assert.equal(forGlobex.TWILIO_ACCOUNT_SID, globex.twilio?.accountSid);
    assert.equal(forGlobex.TWILIO_AUTH_TOKEN, env.GLOBEX_TWILIO_TOKEN);
    assert.equal(forGlobex.VONAGE_API_KEY, undefined, "no fallback on the environment's Vonage");
    assert.deepEqual(forGlobex.SMS_PROVIDERS, ['twilio']);
    const forAcme = settingsForTenant(deployment, acme);
    assert.equal(forAcme.VONAGE_API_KEY, 'acme-key');
    assert.equal(forAcme.TWILIO_VOICE_FROM_NUMBER, '+15005550007');
    assert.equal(forAcme.EMAIL_FALLBACK, 'sendgrid');
    assert.equal(forAcme.SENDGRID_FROM_EMAIL, 'otp@acme.example');
  });

  it("round-trip the environment: the single-org tenant builds exactly today's settings", () => {
    const env = {
      SMS_PROVIDERS: ['twilio', 'vonage'],
      VOICE_PROVIDERS: ['twilio'],
      EMAIL_FALLBACK: 'off' as const,
      TWILIO_ACCOUNT_SID: ACCOUNT_A,
      TWILIO_AUTH_TOKEN: 'twilio-token-0123456789',
      TWILIO_FROM_NUMBER: '+15005550006',
      VONAGE_API_KEY: 'key',
      VONAGE_API_SECRET: 'secret',
      VONAGE_FROM_NUMBER: 'BYOT',
    };
    assert.deepEqual(providerEnvironmentOf(tenantFromEnvironment(env)), env);
  });
});

describe('credential sets', () => {
  it("are per provider and account; the environment tenant keeps today's breakers", () => {
    const { acme, globex } = tenants();
    const a = credentialSetOf(acme, 'twilio');
    const b = credentialSetOf(globex, 'twilio');
    assert.match(a ?? '', /^[0-9a-f]{12}$/);
    assert.notEqual(a, b);
    assert.notEqual(credentialSetOf(acme, 'vonage'), a);
    // Same account, same breaker: a suspended shared account is down for everyone on it.
    assert.equal(credentialSetOf({ ...globex, twilio: acme.twilio }, 'twilio'), a);
    assert.equal(credentialSetOf(globex, 'vonage'), undefined);
    assert.equal(
      credentialSetOf(tenantFromEnvironment({ TWILIO_ACCOUNT_SID: ACCOUNT_A }), 'twilio'),
      undefined,
    );
    assert.ok(!String(a).includes(acme.twilio?.accountSid ?? '-'));
  });
});

describe("the hook's source", () => {
  it("must lie in the tenant's Okta org", () => {
    const tenant = { oktaOrg: 'https://acme.okta.com' };
    assert.deepEqual(
      sourceMatchesOrg(tenant, 'https://acme.okta.com/api/v1/inlineHooks/cal4egvp1mbMldrYN0g4'),
      { ok: true },
    );
    assert.deepEqual(sourceMatchesOrg(tenant, 'https://globex.okta.com/api/v1/inlineHooks/x'), {
      ok: false,
      reason: 'source-outside-org',
    });
    assert.deepEqual(sourceMatchesOrg(tenant, 'https://acme.okta.com.evil.example/api/v1/inlineHooks/x'), {
      ok: false,
      reason: 'source-outside-org',
    });
    assert.deepEqual(sourceMatchesOrg(tenant, 'http://acme.okta.com/api/v1/inlineHooks/x'), {
      ok: false,
      reason: 'source-outside-org',
    });
    assert.deepEqual(sourceMatchesOrg(tenant, 'not a url'), { ok: false, reason: 'source-outside-org' });
    assert.deepEqual(sourceMatchesOrg(tenant, undefined), { ok: false, reason: 'source-missing' });
    assert.deepEqual(
      sourceMatchesOrg({}, undefined),
      { ok: true },
      'the single-org tenant has no org to check',
    );
  });
});
