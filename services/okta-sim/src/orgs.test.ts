import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, SANDBOX_API_TOKEN, sandboxApiTokenOf } from './config.ts';
import { listenOrgs, type ServedOrg } from './orgs.ts';

const HOOK = (uri: string) => ({
  name: 'byot telephony hook',
  type: 'com.okta.telephony.provider',
  version: '1.0.0',
  channel: {
    type: 'HTTP',
    version: '1.0.0',
    config: {
      uri,
      method: 'POST',
      headers: [],
      authScheme: { type: 'HEADER', key: 'Authorization', value: 'x'.repeat(20) },
    },
  },
});

async function call(org: ServedOrg, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${org.running.url}${path}`, {
    method,
    headers: {
      authorization: `SSWS ${token}`,
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as { length?: number; errorCode?: string; errorCauses?: unknown },
  };
}

describe('okta-sim serving several orgs (OKTA_SIM_ORGS), one port each', () => {
  it('reads OKTA_SIM_ORGS and OKTA_SIM_HTTP_HOOK_HOSTS, refusing a name or port twice', () => {
    const config = loadConfig({
      OKTA_SIM_ORGS: JSON.stringify([
        { name: 'acme', port: 4021 },
        {
          name: 'globex',
          port: 4022,
          apiToken: 'globex-token-0123456789abc',
          publicUrl: 'http://okta-sim:4022/',
        },
      ]),
      OKTA_SIM_HTTP_HOOK_HOSTS: 'hook-ingress, Byot.Internal',
    });
    assert.deepEqual(config.orgs, [
      { name: 'acme', port: 4021, apiToken: sandboxApiTokenOf('acme'), sandboxApiToken: true },
      {
        name: 'globex',
        port: 4022,
        apiToken: 'globex-token-0123456789abc',
        sandboxApiToken: false,
        publicUrl: 'http://okta-sim:4022',
      },
    ]);
    assert.deepEqual(config.httpHookHosts, ['hook-ingress', 'byot.internal']);
    assert.deepEqual(loadConfig({}).orgs, []);
    assert.throws(
      () =>
        loadConfig({
          OKTA_SIM_ORGS: JSON.stringify([
            { name: 'acme', port: 4020 },
            { name: 'acme', port: 4023 },
            { name: 'Bad Name', port: 4024, extra: 1 },
          ]),
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /OKTA_SIM_ORGS \(at 2\.name\): must be/);
        assert.match(error.message, /Unrecognized key: "extra"/);
        return true;
      },
    );
    assert.throws(
      () =>
        loadConfig({
          OKTA_SIM_ORGS: JSON.stringify([
            { name: 'acme', port: 4020 },
            { name: 'acme', port: 4023 },
          ]),
        }),
      /port 4020 is already taken[\s\S]*org "acme" is listed twice/,
    );
  });

  let orgs: ServedOrg[];
  before(async () => {
    const config = loadConfig({
      PORT: '0',
      OKTA_SIM_ORGS: JSON.stringify([{ name: 'acme', port: 0 }]),
      OKTA_SIM_HTTP_HOOK_HOSTS: 'hook-ingress',
    });
    orgs = await listenOrgs(config, { closeGraceMs: 100 });
  });
  after(() => Promise.all(orgs.map((o) => o.running.close())));

  it('keeps each org apart: its own port, token and objects', async () => {
    const [main, acme] = orgs;
    assert.ok(main && acme);
    assert.deepEqual(
      orgs.map((o) => o.name),
      ['default', 'acme'],
    );
    assert.notEqual(main.running.url, acme.running.url);
    const created = await call(
      acme,
      sandboxApiTokenOf('acme'),
      'POST',
      '/api/v1/inlineHooks',
      HOOK('https://byot.example.com/v1/okta/telephony/acme'),
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await call(acme, sandboxApiTokenOf('acme'), 'GET', '/api/v1/inlineHooks')).body.length, 1);
    assert.deepEqual((await call(main, SANDBOX_API_TOKEN, 'GET', '/api/v1/inlineHooks')).body, []);
    const foreign = await call(main, sandboxApiTokenOf('acme'), 'GET', '/api/v1/inlineHooks');
    assert.equal(foreign.status, 401, "one org's token is refused by another");
    assert.equal(foreign.body.errorCode, 'E0000011');
  });

  it('accepts plain http:// hook URLs on the named hosts only (the sandbox network), as Okta refuses them', async () => {
    const [main] = orgs;
    assert.ok(main);
    const allowed = await call(
      main,
      SANDBOX_API_TOKEN,
      'POST',
      '/api/v1/inlineHooks',
      HOOK('http://hook-ingress:8080/v1/okta/telephony'),
    );
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    const refused = await call(main, SANDBOX_API_TOKEN, 'POST', '/api/v1/inlineHooks', {
      ...HOOK('http://byot.example.com/v1/okta/telephony'),
      name: 'other',
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errorCode, 'E0000001');
    assert.deepEqual(refused.body.errorCauses, [
      { errorSummary: 'channel.config.uri: uri must use https:// (plain http:// only for loopback hosts)' },
    ]);
  });
});
