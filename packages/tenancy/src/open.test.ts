import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eventually } from '@byot/testkit';
import { TenantDirectory } from './directory.ts';
import { environmentTenants, tenantFromEnvironment } from './environment.ts';
import { TenantsFileError } from './file/problems.ts';
import { openTenants } from './open.ts';
import { PerTenant } from './per-tenant.ts';
import type { Tenant, TenantsConfig } from './tenant.ts';
import { writeTwoTenantFile } from './testing/fixtures.ts';

function recordingLog() {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at = (level: string) => (fields: object, message: string) => lines.push({ level, fields, message });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('the single-org tenant from the environment', () => {
  it('maps today\'s variables onto the tenant "default", header only unless OKTA_HOOK_AUTH says oauth', () => {
    const tenant = tenantFromEnvironment({
      OKTA_HOOK_AUTH_HEADER: 'X-Okta-Secret',
      OKTA_HOOK_AUTH_SECRET: 'header-secret-0123456789',
      OKTA_HOOK_OAUTH_CLIENT_ID: 'okta',
      OKTA_HOOK_OAUTH_CLIENT_SECRET: 'ignored-without-oauth-scheme',
      DEFAULT_PHONE_REGION: 'GB',
      SMS_PROVIDERS: ['twilio', 'vonage'],
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'twilio-token-0123456789',
      TWILIO_FROM_NUMBER: '+15005550006',
      VONAGE_API_KEY: 'key',
      VONAGE_API_SECRET: 'secret',
      VONAGE_FROM_NUMBER: 'BYOT',
    });
    assert.equal(tenant.id, 'default');
    assert.equal(tenant.origin, 'environment');
    assert.equal(tenant.oktaOrg, undefined, 'the single-org setup has never checked source');
    assert.deepEqual(tenant.hookAuth, {
      header: { name: 'x-okta-secret', value: 'header-secret-0123456789' },
      oauthClients: [],
    });
    assert.equal(tenant.defaultRegion, 'GB');
    assert.deepEqual(tenant.sms, ['twilio', 'vonage']);
    assert.deepEqual(tenant.voice, ['twilio']);
    assert.deepEqual(tenant.twilio, {
      accountSid: `AC${'a'.repeat(32)}`,
      authToken: 'twilio-token-0123456789',
      fromNumber: '+15005550006',
    });
    assert.deepEqual(tenant.vonage, { apiKey: 'key', apiSecret: 'secret', fromNumber: 'BYOT' });
    assert.equal(tenant.sendgrid, undefined);
    assert.equal(tenant.adminToken, undefined, "the environment's ADMIN_TOKEN is the MSP's, not a tenant's");
  });

  it('takes the OAuth client and issuer when OKTA_HOOK_AUTH lists oauth', () => {
    const tenant = tenantFromEnvironment({
      OKTA_HOOK_AUTH: 'header, oauth',
      OKTA_HOOK_AUTH_SECRET: 'header-secret-0123456789',
      OKTA_HOOK_OAUTH_CLIENT_ID: 'okta',
      OKTA_HOOK_OAUTH_CLIENT_JWKS: '{"keys":[{"kty":"EC"}]}',
      OKTA_HOOK_OAUTH_ISSUER: 'https://acme.okta.com/oauth2/default',
      OKTA_HOOK_OAUTH_AUDIENCE: 'api://default',
      OKTA_HOOK_OAUTH_SCOPES: 'okta.telephony Custom.Scope',
    });
    assert.deepEqual(tenant.hookAuth.oauthClients, [
      { clientId: 'okta', clientJwks: { keys: [{ kty: 'EC' }] } },
    ]);
    assert.deepEqual(tenant.hookAuth.oauthIssuer, {
      issuer: 'https://acme.okta.com/oauth2/default',
      audience: 'api://default',
      scopes: ['okta.telephony', 'Custom.Scope'],
    });
    assert.equal(tenant.hookAuth.header?.name, 'authorization');
  });
});

describe('the tenant directory', () => {
  const config = (ids: string[], region = 'US'): TenantsConfig => ({
    origin: 'file',
    tenants: new Map(
      ids.map((id) => [
        id,
        { ...tenantFromEnvironment({ DEFAULT_PHONE_REGION: region }), id, origin: 'file' as const },
      ]),
    ),
  });

  it('swaps whole configurations, reports what changed, and keeps removed tenants for work under way', () => {
    let now = 1_000;
    const directory = new TenantDirectory(config(['acme', 'globex']), {
      retainRemovedMs: 60_000,
      now: () => now,
    });
    const held = directory.get('acme');
    const changes: unknown[] = [];
    directory.onChange((c) => changes.push(c));

    assert.deepEqual(directory.replace(config(['acme', 'globex'])), { added: [], removed: [], changed: [] });
    assert.equal(changes.length, 0, 'no change, no listener call');

    const next = config(['acme', 'initech']);
    const acme = next.tenants.get('acme');
    assert.ok(acme);
    (next.tenants as Map<string, Tenant>).set('acme', { ...acme, defaultRegion: 'GB' });
    assert.deepEqual(directory.replace(next), { added: ['initech'], removed: ['globex'], changed: ['acme'] });
    assert.equal(changes.length, 1);
    // Whoever held the old acme keeps a consistent old view; new lookups see the new one.
    assert.equal(held?.defaultRegion, 'US');
    assert.equal(directory.get('acme')?.defaultRegion, 'GB');
    // globex takes no new work but its in-flight work still finds it, until the retention ends.
    assert.equal(directory.get('globex'), undefined);
    assert.equal(directory.forWork('globex')?.id, 'globex');
    now += 60_001;
    assert.equal(directory.forWork('globex'), undefined);
    assert.deepEqual(directory.ids(), ['acme', 'initech']);
  });

  it('per-tenant objects are built once per tenant object, afresh after a reload changed it', () => {
    const directory = new TenantDirectory(config(['acme', 'globex']), { retainRemovedMs: 60_000 });
    let builds = 0;
    const regions = new PerTenant((tenant) => ({ region: tenant.defaultRegion, build: ++builds }));
    assert.deepEqual(regions.current(directory, 'acme'), { region: 'US', build: 1 });
    assert.deepEqual(regions.current(directory, 'acme'), { region: 'US', build: 1 });
    directory.replace(config(['acme', 'globex']));
    assert.deepEqual(
      regions.current(directory, 'acme'),
      { region: 'US', build: 1 },
      'unchanged: nothing rebuilt',
    );
    directory.replace(config(['acme'], 'GB'));
    assert.deepEqual(regions.current(directory, 'acme'), { region: 'GB', build: 2 });
    assert.equal(regions.current(directory, 'globex'), undefined);
    assert.deepEqual(regions.forWork(directory, 'globex'), { region: 'US', build: 3 });
    assert.equal(regions.current(directory, 'nobody'), undefined);
  });

  it('a tenant added back is current again, not retired', () => {
    const directory = new TenantDirectory(config(['acme', 'globex']), { retainRemovedMs: 60_000 });
    directory.replace(config(['acme']));
    directory.replace(config(['acme', 'globex']));
    assert.equal(directory.get('globex')?.id, 'globex');
  });
});

describe('opening the tenants of a service', () => {
  it('without TENANTS_FILE: exactly the environment tenant, on its own', () => {
    const opened = openTenants({
      env: {},
      environment: { OKTA_HOOK_AUTH_SECRET: 'header-secret-0123456789' },
      log: recordingLog(),
      retainRemovedMs: 1_000,
    });
    assert.equal(opened.directory.origin, 'environment');
    assert.deepEqual(opened.directory.ids(), ['default']);
    assert.equal(opened.file, undefined);
    assert.deepEqual(environmentTenants({}).tenants.get('default')?.id, 'default');
    opened.stop();
  });

  it('an invalid file at start throws every problem; the service refuses to start', () => {
    const { file } = writeTwoTenantFile();
    assert.throws(
      () =>
        openTenants({
          env: { TENANTS_FILE: file },
          environment: {},
          log: recordingLog(),
          retainRemovedMs: 1_000,
        }),
      (error: unknown) =>
        error instanceof TenantsFileError &&
        error.problems.includes(
          'tenant "acme", hookAuth.header.value: environment variable ACME_HOOK_SECRET is not set',
        ) &&
        error.problems.length === 8,
    );
  });

  it('with a file: reloads a valid change, logs and refuses an invalid one, keeps serving', async () => {
    const { file, env } = writeTwoTenantFile();
    const log = recordingLog();
    const opened = openTenants({
      env: { ...env, TENANTS_FILE: file },
      environment: {},
      log,
      retainRemovedMs: 60_000,
      signal: null,
      pollIntervalMs: 200,
    });
    try {
      assert.deepEqual(opened.directory.ids(), ['acme', 'globex']);
      const original = readFileSync(file, 'utf8');
      writeFileSync(file, original.replace('defaultRegion: GB', 'defaultRegion: ZZ'));
      await eventually(() => assert.ok(log.lines.some((l) => l.message.startsWith('tenants file refused'))), {
        timeoutMs: 10_000,
      });
      const refused = log.lines.find((l) => l.message.startsWith('tenants file refused'));
      assert.ok(refused);
      assert.deepEqual((refused.fields as { problems: string[] }).problems, [
        'tenant "acme", defaultRegion: is not a region the phone-number library knows',
      ]);
      assert.equal(opened.directory.get('acme')?.defaultRegion, 'GB', 'the running configuration stays');

      writeFileSync(file, original.replace(/\n {2}globex:[\s\S]*$/, '\n'));
      await eventually(() => assert.deepEqual(opened.directory.ids(), ['acme']), { timeoutMs: 10_000 });
      assert.equal(
        opened.directory.forWork('globex')?.id,
        'globex',
        'in-flight work of a removed tenant goes on',
      );
      const reloaded = log.lines.find((l) => l.message === 'tenants file reloaded');
      assert.ok(reloaded);
      assert.deepEqual((reloaded.fields as { removed: string[] }).removed, ['globex']);
      // Nothing logged carries a secret.
      const logged = JSON.stringify(log.lines);
      for (const value of Object.values(env)) assert.ok(value && !logged.includes(value));
    } finally {
      opened.stop();
    }
  });
});
