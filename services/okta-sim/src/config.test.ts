import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, SANDBOX_API_TOKEN } from './config.ts';

describe('okta-sim configuration', () => {
  it('defaults to loopback:4020 with the sandbox token, no OIDC clients, reject mode', () => {
    const config = loadConfig({});
    assert.equal(config.port, 4020);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.apiToken, SANDBOX_API_TOKEN);
    assert.equal(config.sandboxApiToken, true);
    assert.deepEqual(config.oidcClients, []);
    assert.equal(config.resendIntervalMs, 30_000);
    assert.equal(config.secondTelephonyHook, 'reject');
  });

  it('reads one OIDC client from the three variables, or several from OKTA_SIM_OIDC_CLIENTS', () => {
    const single = loadConfig({
      OKTA_SIM_OIDC_CLIENT_ID: 'byot-console',
      OKTA_SIM_OIDC_CLIENT_SECRET: 'console-secret-0123456789',
      OKTA_SIM_OIDC_REDIRECT_URIS: 'http://127.0.0.1:9100/console/oidc/callback, http://localhost:9100/cb',
    });
    assert.deepEqual(single.oidcClients, [
      {
        clientId: 'byot-console',
        clientSecret: 'console-secret-0123456789',
        redirectUris: ['http://127.0.0.1:9100/console/oidc/callback', 'http://localhost:9100/cb'],
        postLogoutRedirectUris: [],
      },
    ]);
    const many = loadConfig({
      OKTA_SIM_OIDC_CLIENTS: JSON.stringify([
        { client_id: 'a', client_secret: 'aaaaaaaaaaaaaaaa', redirect_uris: ['https://a.example/cb'] },
      ]),
      OKTA_SIM_USERS: JSON.stringify([{ login: 'x@example.com', groups: ['g'] }]),
    });
    assert.equal(many.oidcClients[0]?.clientId, 'a');
    assert.deepEqual(many.users, [{ login: 'x@example.com', groups: ['g'] }]);
  });

  it('names every problem at once', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'x',
          OKTA_SIM_API_TOKEN: 'short',
          OKTA_SIM_SECOND_TELEPHONY_HOOK: 'maybe',
          OKTA_SIM_USERS: '{nope',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.problems.join('\n');
        for (const name of [
          'PORT',
          'OKTA_SIM_API_TOKEN',
          'OKTA_SIM_SECOND_TELEPHONY_HOOK',
          'OKTA_SIM_USERS',
        ]) {
          assert.match(text, new RegExp(name));
        }
        return true;
      },
    );
    assert.throws(() => loadConfig({ OKTA_SIM_OIDC_CLIENT_ID: 'only-the-id' }), /go together/);
    assert.throws(
      () =>
        loadConfig({
          OKTA_SIM_OIDC_CLIENTS: JSON.stringify([
            { client_id: 'a', client_secret: 'aaaaaaaaaaaaaaaa', redirect_uris: ['ftp://x'] },
          ]),
        }),
      ConfigError,
    );
  });
});
