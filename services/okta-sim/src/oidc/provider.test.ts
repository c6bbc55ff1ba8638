import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { startTestOktaSim, type TestOktaSim } from '../testing/harness.ts';

const CLIENT = {
  clientId: 'byot-console',
  clientSecret: 'console-secret-0123456789',
  redirectUris: ['http://127.0.0.1:9100/console/oidc/callback'],
  postLogoutRedirectUris: ['http://127.0.0.1:9100/console'],
};
const REDIRECT = CLIENT.redirectUris[0] as string;

/** Plays the browser on the sandbox login page: finds the form for `login`, posts it, returns the redirect. */
async function signInAs(authorizationUrl: URL, login: string): Promise<URL> {
  const pageResponse = await fetch(authorizationUrl);
  assert.equal(pageResponse.status, 200);
  const html = await pageResponse.text();
  const form = new RegExp(
    `<form method="post" action="([^"]+)"><input type="hidden" name="transaction" value="([^"]+)"><input type="hidden" name="login" value="${login.replace('.', '\\.')}">`,
  ).exec(html);
  assert.ok(form, `the login page offers ${login}`);
  const posted = await fetch(form[1] as string, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ transaction: form[2] as string, login }),
    redirect: 'manual',
  });
  assert.equal(posted.status, 302);
  return new URL(posted.headers.get('location') as string);
}

describe('okta-sim as an OpenID Connect provider (openid-client, over HTTP)', () => {
  let okta: TestOktaSim;
  let config: oidc.Configuration;

  before(async () => {
    okta = await startTestOktaSim({
      oidcClients: [CLIENT],
      users: [
        { login: 'ops@example.com', firstName: 'Olivia', groups: ['byot-operators'] },
        { login: 'view@example.com', firstName: 'Victor', groups: ['byot-viewers', 'acme-viewers'] },
      ],
    });
    config = await oidc.discovery(
      new URL(okta.sim.issuer),
      CLIENT.clientId,
      CLIENT.clientSecret,
      oidc.ClientSecretBasic(CLIENT.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
  });
  after(() => okta.close());

  it('serves discovery on the issuer /oauth2/default, with PKCE S256 and both client secret methods', () => {
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, `${okta.url}/oauth2/default`);
    assert.equal(meta.token_endpoint, `${okta.url}/oauth2/default/v1/token`);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(meta.token_endpoint_auth_methods_supported, [
      'client_secret_basic',
      'client_secret_post',
    ]);
  });

  it('signs a user in with code + PKCE: the ID token carries the groups, userinfo agrees', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile email groups',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await signInAs(url, 'view@example.com');
    assert.equal(callback.origin + callback.pathname, REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.preferred_username, 'view@example.com');
    assert.deepEqual(claims.groups, ['Everyone', 'byot-viewers', 'acme-viewers']);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.email, 'view@example.com');
    assert.deepEqual(info.groups, ['Everyone', 'byot-viewers', 'acme-viewers']);
  });

  it('works with client_secret_post too; a code is single-use; a wrong verifier is refused', async () => {
    const postConfig = new oidc.Configuration(
      config.serverMetadata(),
      CLIENT.clientId,
      CLIENT.clientSecret,
      oidc.ClientSecretPost(CLIENT.clientSecret),
    );
    oidc.allowInsecureRequests(postConfig);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(postConfig, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const callback = await signInAs(url, 'ops@example.com');
    const code = callback.searchParams.get('code') as string;
    const wrong = await tokenRequest({ code, code_verifier: oidc.randomPKCECodeVerifier() });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_grant');
    // The failed attempt used the code up (single use whatever happens), as it should.
    const again = await tokenRequest({ code, code_verifier: verifier });
    assert.equal(again.status, 400);
  });

  it('refuses unknown clients, wrong secrets, unregistered redirect URIs and missing PKCE', async () => {
    const bad = await fetch(`${okta.sim.issuer}/v1/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:nope`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }),
    });
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_client');
    assert.match(bad.headers.get('www-authenticate') ?? '', /^Basic/);

    const base = `${okta.sim.issuer}/v1/authorize?response_type=code&scope=openid&state=s&client_id=`;
    const unknownClient = await fetch(`${base}nobody&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(unknownClient.status, 400);
    const otherRedirect = await fetch(
      `${base}${CLIENT.clientId}&redirect_uri=${encodeURIComponent('http://evil.example/cb')}`,
      {
        redirect: 'manual',
      },
    );
    assert.equal(otherRedirect.status, 400, 'never redirects to an unregistered URI');
    const noPkce = await fetch(`${base}${CLIENT.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}`, {
      redirect: 'manual',
    });
    assert.equal(noPkce.status, 302);
    const location = new URL(noPkce.headers.get('location') as string);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('state'), 's');
  });

  it('refuses a forged access token at userinfo', async () => {
    const response = await fetch(`${okta.sim.issuer}/v1/userinfo`, {
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  function tokenRequest(params: Record<string, string>): Promise<Response> {
    return fetch(`${okta.sim.issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT,
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        ...params,
      }),
    });
  }
});
