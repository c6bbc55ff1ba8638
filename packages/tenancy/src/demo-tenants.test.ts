import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demoTenants, demoTenantsFile, simSubaccounts } from '@byot/testkit';
import { parseTenantsText } from './file/load.ts';
import { credentialSetOf } from './provider-settings.ts';

describe("the sandbox's demo tenants", () => {
  it('make a valid tenants file: two orgs, own credentials and Twilio subaccounts, a shared Vonage backup', () => {
    const tenants = demoTenants();
    const { yaml, env } = demoTenantsFile(tenants, {
      vonage: { apiKey: 'sandboxkey', apiSecret: 'sandbox-api-secret', fromNumber: 'BYOT' },
    });
    const result = parseTenantsText(yaml, { env, baseDir: '/' });
    if (!result.ok) assert.fail(result.problems.join('\n'));
    const [acme, globex] = [result.config.tenants.get('acme'), result.config.tenants.get('globex')];
    assert.ok(acme && globex);
    assert.deepEqual(acme.sms, ['twilio', 'vonage']);
    assert.notEqual(acme.twilio?.accountSid, globex.twilio?.accountSid);
    assert.notEqual(credentialSetOf(acme, 'twilio'), credentialSetOf(globex, 'twilio'));
    assert.equal(
      credentialSetOf(acme, 'vonage'),
      credentialSetOf(globex, 'vonage'),
      'one shared backup account',
    );
    assert.ok(!yaml.includes(tenants[0]?.hookSecret ?? '-'), 'secrets are referenced, not inlined');
    const subaccounts = JSON.parse(simSubaccounts(tenants)) as Array<{
      friendlyName: string;
      accountSid: string;
    }>;
    assert.deepEqual(
      subaccounts.map((s) => s.friendlyName),
      ['acme', 'globex'],
    );
    assert.equal(
      demoTenants()[0]?.twilio.accountSid,
      tenants[0]?.twilio.accountSid,
      'stable subaccount SIDs',
    );
  });
});
