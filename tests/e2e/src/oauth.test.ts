/**
 * Okta's OAuth 2.0 hook authentication end to end, through real processes: a test client plays Okta — discovers
 * byot's authorization server, fetches a token (client_secret_post, as the MSP guide's "Client Secret" mode, or a
 * private_key_jwt assertion signed with its hook key), then calls the hook with it — for SMS and voice. Tokens of an
 * external issuer (an Okta custom authorization server, here a stand-in on loopback) are accepted by the same hook.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ecKeyPair,
  FakeIssuer,
  type KeyPair,
  oktaHookKeyResponse,
  oktaHookRequest,
  type RunningSystem,
  randomOtp,
  requestToken,
  rsaKeyPair,
  startSystem,
} from '@byot/testkit';
import { responseValidator, testPhone } from './system.ts';

const validResponse = responseValidator();
const CLIENT_ID = '0oa-okta-telephony-hook';
const CLIENT_SECRET = randomBytes(32).toString('base64url');
let system: RunningSystem;
let hookKey: KeyPair;
let okta: FakeIssuer;
let oktaKid: string;

before(async () => {
  hookKey = await rsaKeyPair();
  okta = await FakeIssuer.start();
  oktaKid = await okta.addKey();
  system = await startSystem({
    voiceWorkers: 1,
    ingressEnv: {
      OKTA_HOOK_AUTH: 'oauth',
      OKTA_HOOK_OAUTH_CLIENT_ID: CLIENT_ID,
      OKTA_HOOK_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
      // What the Okta admin copies from GET /api/v1/hook-keys/public/{keyId}.
      OKTA_HOOK_OAUTH_CLIENT_JWKS: JSON.stringify(oktaHookKeyResponse(hookKey.publicJwk, 'hook-key-1')),
      OAUTH_SIGNING_KEY: (await ecKeyPair()).privatePem,
      OKTA_HOOK_OAUTH_ISSUER: okta.issuer,
      OKTA_HOOK_OAUTH_AUDIENCE: 'api://default',
      OKTA_HOOK_OAUTH_SCOPES: 'byot.hook',
    },
  });
});
after(async () => {
  await system?.stop();
  await okta?.stop();
});

describe('OAuth 2.0 hook authentication end to end', () => {
  const issuer = () => `${system.ingressUrl}/oauth2/default`;

  it('publishes the authorization server: RFC 8414 metadata and its keys', async () => {
    const metadata = (await (await fetch(`${issuer()}/.well-known/oauth-authorization-server`)).json()) as {
      issuer: string;
      token_endpoint: string;
      jwks_uri: string;
    };
    assert.equal(metadata.issuer, issuer());
    assert.equal(metadata.token_endpoint, `${issuer()}/v1/token`);
    const keys = (await (await fetch(metadata.jwks_uri)).json()) as { keys: { kty: string; d?: string }[] };
    assert.deepEqual(
      keys.keys.map((k) => [k.kty, k.d]),
      [['EC', undefined]],
    );
  });

  it('SMS: client_secret_post token, then the hook with it — the code reaches the phone', async () => {
    const token = await requestToken({
      tokenUrl: `${issuer()}/v1/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(token.cacheControl, 'no-store');
    assert.equal(token.body.token_type, 'Bearer');
    const phone = testPhone();
    const otpCode = randomOtp(6);
    const answer = await system.sendHook(oktaHookRequest({ phoneNumber: phone, otpCode }), {
      authorization: `Bearer ${token.body.access_token}`,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(validResponse(answer.body));
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    const messages = await system.simMessages(phone);
    assert.equal(messages.length, 1);
    assert.ok(messages[0]?.body?.includes(otpCode));
  });

  it('voice: private_key_jwt with the hook key, then the hook with the token — the call is placed', async () => {
    const token = await requestToken({
      tokenUrl: `${issuer()}/v1/token`,
      clientId: CLIENT_ID,
      hookKey: hookKey.privateKey,
      kid: 'hook-key-1',
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const phone = testPhone();
    const answer = await system.sendHook(
      oktaHookRequest({ phoneNumber: phone, deliveryChannel: 'voice call' }),
      {
        authorization: `Bearer ${token.body.access_token}`,
      },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    assert.equal((await system.simMessages({ to: phone, channel: 'voice' })).length, 1);
  });

  it("accepts an Okta custom authorization server's token (keys fetched from its metadata at start)", async () => {
    const phone = testPhone();
    const answer = await system.sendHook(oktaHookRequest({ phoneNumber: phone }), {
      authorization: `Bearer ${await okta.token(oktaKid)}`,
    });
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    assert.ok(okta.requests.includes('/oauth2/default/v1/keys'));
  });

  it('refuses the header secret (oauth only), a bad token and a wrong client secret — and sends nothing', async () => {
    const phone = testPhone();
    const headerOnly = await system.sendHook(oktaHookRequest({ phoneNumber: phone }));
    assert.equal(headerOnly.status, 401);
    const forged = await system.sendHook(oktaHookRequest({ phoneNumber: phone }), {
      authorization: `Bearer ${await okta.token(oktaKid, { scp: ['other'] })}`,
    });
    assert.equal(forged.status, 401);
    const wrong = await requestToken({
      tokenUrl: `${issuer()}/v1/token`,
      clientId: CLIENT_ID,
      clientSecret: `${CLIENT_SECRET}x`,
    });
    assert.deepEqual([wrong.status, wrong.body.error], [401, 'invalid_client']);
    assert.equal((await system.simMessages(phone)).length, 0);
    // The ingress log says why, never with the secret or the token.
    const log = system.ingress.output();
    assert.match(log, /hook refused: authentication failed/);
    assert.match(log, /token-missing-scope/);
    assert.ok(!log.includes(CLIENT_SECRET), 'the client secret reached the log');
  });
});
