import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseEnv } from 'node:util';
import { parseTenantsText } from '../file/load.ts';
import { writeTwoTenantFile } from '../testing/fixtures.ts';
import { addTenant } from './add.ts';
import { checkTenantsFile } from './check.ts';

describe('tenants check', () => {
  it('prints each tenant, its paths and routes, and no secret', () => {
    const { file, env } = writeTwoTenantFile();
    const result = checkTenantsFile(file, { env, publicBaseUrl: 'https://byot.msp.example/' });
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /valid, 2 tenant\(s\)/);
    assert.match(result.text, /hook {10}https:\/\/byot\.msp\.example\/v1\/okta\/telephony\/acme\n/);
    assert.match(result.text, /token URL {5}https:\/\/byot\.msp\.example\/oauth2\/acme\/v1\/token/);
    assert.match(result.text, /sms {11}twilio → vonage → e-mail/);
    for (const secret of Object.values(env)) assert.ok(secret && !result.text.includes(secret));
  });

  it('lists every problem and fails', () => {
    const { file } = writeTwoTenantFile();
    const result = checkTenantsFile(file, { env: {} });
    assert.equal(result.ok, false);
    assert.match(
      result.text,
      /: 8 problem\(s\)\n {2}- tenant "acme", hookAuth\.header\.value: environment variable ACME_HOOK_SECRET is not set/,
    );
  });
});

describe('tenants add', () => {
  it('prints a valid block, the secrets for the secret store, and what to paste into Okta', () => {
    const result = addTenant({
      id: 'acme-eu',
      oktaOrg: 'https://acme-eu.okta-emea.com',
      publicBaseUrl: 'https://byot.msp.example',
      defaultRegion: 'DE',
    });
    assert.ok(result.ok);
    const text = result.text;
    const block = text.slice(text.indexOf('  acme-eu:'), text.indexOf('\n\n'));
    const envLines = text
      .split('\n')
      .filter((line) => /^ACME_EU_[A-Z_]+=/.test(line))
      .join('\n');
    const env = parseEnv(envLines);
    assert.deepEqual(Object.keys(env).sort(), [
      'ACME_EU_ADMIN_TOKEN',
      'ACME_EU_HOOK_SECRET',
      'ACME_EU_OAUTH_SECRET',
      'ACME_EU_TWILIO_ACCOUNT_SID',
      'ACME_EU_TWILIO_FROM_NUMBER',
      'ACME_EU_TWILIO_TOKEN',
    ]);
    assert.ok((env.ACME_EU_OAUTH_SECRET ?? '').length >= 43, 'a 256-bit secret');
    assert.equal(env.ACME_EU_TWILIO_TOKEN, '', 'left for the operator to fill in');
    // Once the operator fills in the Twilio account, the block loads as it is.
    const filled = {
      ...env,
      ACME_EU_TWILIO_ACCOUNT_SID: `AC${'c'.repeat(32)}`,
      ACME_EU_TWILIO_TOKEN: 'd'.repeat(32),
      ACME_EU_TWILIO_FROM_NUMBER: '+4915112345678',
    };
    const loaded = parseTenantsText(`tenants:\n${block}\n`, { env: filled, baseDir: '/' });
    if (!loaded.ok) assert.fail(loaded.problems.join('\n'));
    const tenant = loaded.config.tenants.get('acme-eu');
    assert.equal(tenant?.hookAuth.oauthClients[0]?.clientSecret, env.ACME_EU_OAUTH_SECRET);
    assert.equal(tenant?.defaultRegion, 'DE');
    // Okta's form: the tenant's own hook URL, client id/secret and token URL.
    assert.match(text, /URL: {20}https:\/\/byot\.msp\.example\/v1\/okta\/telephony\/acme-eu\n/);
    assert.match(text, /Client ID: {12}acme-eu-okta\n/);
    assert.ok(text.includes(`Client Secret:        ${env.ACME_EU_OAUTH_SECRET}`));
    assert.match(text, /Token URL: {12}https:\/\/byot\.msp\.example\/oauth2\/acme-eu\/v1\/token\n/);
    assert.ok(text.includes(`Authentication secret: ${env.ACME_EU_HOOK_SECRET}`));
    // Each run generates new secrets.
    const again = addTenant({ id: 'acme-eu', oktaOrg: 'https://acme-eu.okta-emea.com' });
    assert.ok(again.ok && !again.text.includes(env.ACME_EU_OAUTH_SECRET ?? '-'));
  });

  it('header only, with the Twilio account given', () => {
    const result = addTenant({
      id: 'globex',
      oktaOrg: 'https://globex.okta.com',
      auth: 'header',
      twilioAccountSid: `AC${'e'.repeat(32)}`,
      twilioFromNumber: '+15005550006',
    });
    assert.ok(result.ok);
    assert.ok(!result.text.includes('oauthClients'));
    assert.ok(!result.text.includes('GLOBEX_TWILIO_ACCOUNT_SID'));
    assert.match(result.text, /Authentication: {9}HTTP header/);
  });

  it('refuses a bad id, a bad org, and an id or org the file already has', () => {
    assert.deepEqual(addTenant({ id: 'Acme', oktaOrg: 'https://acme.okta.com' }), {
      ok: false,
      problems: ['"Acme" is not a valid tenant id: use [a-z0-9][a-z0-9-]{0,39}'],
    });
    assert.deepEqual(addTenant({ id: 'acme', oktaOrg: 'http://acme.okta.com' }), {
      ok: false,
      problems: ['tenant "acme", oktaOrg: must be an https:// URL (http:// only on a loopback host)'],
    });
    const { file } = writeTwoTenantFile();
    const existingFile = { path: file, text: readFileSync(file, 'utf8') };
    assert.deepEqual(addTenant({ id: 'acme', oktaOrg: 'https://globex.oktapreview.com', existingFile }), {
      ok: false,
      problems: [
        `${file} already has a tenant "acme"`,
        `${file}: tenant "globex" already serves https://globex.oktapreview.com`,
      ],
    });
    writeFileSync(file, 'tenants: [broken');
    assert.equal(
      addTenant({
        id: 'initech',
        oktaOrg: 'https://initech.okta.com',
        existingFile: { path: file, text: 'tenants: [broken' },
      }).ok,
      true,
    );
  });
});
