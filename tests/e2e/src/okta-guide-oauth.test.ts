/**
 * The guide with "Authentication: OAuth 2.0", end to end with real processes: `byot-okta setup --auth oauth`
 * points Okta's hook at byot's own token endpoint; at enrollment okta-sim fetches a token from byot (a
 * private_key_jwt assertion signed with the hook key, then client_secret_post, as the guide's "Client Secret"),
 * calls the hook with it inside Okta's 3 s, the code reaches the inbox and the person is verified.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ManagedProcess, type RunningSystem, startSystem } from '@byot/testkit';
import { codeInInbox, oktaSandbox, runOktaCommand, startOktaSim } from './okta.ts';
import { testPhone } from './system.ts';

const API_TOKEN = '00e2e-okta-sim-api-token-oauth-0123';
const CLIENT_SECRET = randomBytes(32).toString('base64url');

let system: RunningSystem;
let okta: ManagedProcess;
let orgUrl: string;
/** byot's OAuth client, as the first setup printed it. */
let clientEnv: Record<string, string>;

const run = (args: string[], env: Record<string, string> = {}) =>
  runOktaCommand(args, { OKTA_ORG_URL: orgUrl, OKTA_API_TOKEN: API_TOKEN, ...clientEnv, ...env });

before(async () => {
  ({ process: okta, orgUrl } = await startOktaSim(API_TOKEN));

  // The MSP's order: set the org up before byot runs (its URL still a placeholder), configure byot with what
  // setup printed — the client id and the hook key's public JWK — and start it.
  clientEnv = {};
  const first = await run([
    'setup',
    '--hook-url',
    'https://byot.example.com/v1/okta/telephony',
    '--auth',
    'oauth',
    '--client-auth',
    'private_key_jwt',
  ]);
  assert.equal(first.code, 0, first.err + first.out);
  const printed = (name: string) => new RegExp(`${name}='([^']+)'`).exec(first.out)?.[1];
  const clientId = printed('OKTA_HOOK_OAUTH_CLIENT_ID');
  const jwks = printed('OKTA_HOOK_OAUTH_CLIENT_JWKS');
  assert.ok(clientId && jwks, first.out);
  clientEnv = {
    OKTA_HOOK_OAUTH_CLIENT_ID: clientId,
    OKTA_HOOK_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
    OKTA_HOOK_OAUTH_CLIENT_JWKS: jwks,
  };
  system = await startSystem({
    logLevel: 'info',
    ingressEnv: {
      OKTA_HOOK_AUTH: 'header,oauth',
      ...clientEnv,
      OAUTH_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    },
  });
});
after(async () => {
  await okta?.stop();
  await system?.stop();
});

async function enrollAndVerify(expectedAuth: string): Promise<void> {
  const phone = testPhone();
  const since = Date.now();
  const enroll = await oktaSandbox(orgUrl, 'enroll', { login: 'test.user@example.com', phoneNumber: phone });
  assert.equal(enroll.status, 200, JSON.stringify(enroll.body));
  const { challenge } = enroll.body;
  assert.equal(challenge.hookCall.auth, expectedAuth);
  assert.equal(challenge.hookCall.token.status, 200, 'byot issued the token');
  assert.equal(challenge.hookCall.httpStatus, 200, JSON.stringify(challenge.hookCall));
  assert.equal(challenge.sender.by, 'hook', "Okta took byot's answer: no fallback, no second code");
  assert.ok(challenge.hookCall.durationMs < 3_000, 'token and hook inside one 3 s window');
  const code = await codeInInbox(system, phone, since);
  const verified = await oktaSandbox(orgUrl, `challenges/${challenge.id}/verify`, { code });
  assert.equal(verified.body.verified, true, JSON.stringify(verified.body));
}

describe('the guide with OAuth 2.0, end to end: setup --auth oauth → token from byot → hook → inbox → verified', () => {
  it('private_key_jwt with the hook key, then client_secret_post; status clean, then drift', async () => {
    const real = [
      'setup',
      '--hook-url',
      system.hookUrl,
      '--auth',
      'oauth',
      '--user',
      'test.user@example.com',
    ];
    const pkj = await run([...real, '--client-auth', 'private_key_jwt']);
    assert.equal(pkj.code, 0, pkj.err + pkj.out);
    assert.match(pkj.out, /~ updated +telephony inline hook[\s\S]*uri https:\/\/byot\.example\.com/);
    assert.doesNotMatch(pkj.out, /OKTA_HOOK_OAUTH_CLIENT_JWKS=/, 'byot already has the key');
    await enrollAndVerify('oauth private_key_jwt');

    const csp = await run(real);
    assert.equal(csp.code, 0, csp.err + csp.out);
    assert.match(csp.out, /client authentication private_key_jwt, should be client_secret_post/);
    assert.doesNotMatch(csp.out, /OKTA_HOOK_OAUTH_CLIENT_SECRET=/, "byot's configured secret is used");
    await enrollAndVerify('oauth client_secret_post');
    assert.match((await run(real)).out, /nothing to change/);

    const clean = await run(['status']);
    assert.equal(clean.code, 0, clean.out);
    const rotated = await run(['status'], { OKTA_HOOK_OAUTH_CLIENT_SECRET: 'rotated-somewhere-else-000' });
    assert.equal(rotated.code, 1);
    assert.match(rotated.out, /client secret in Okta is not OKTA_HOOK_OAUTH_CLIENT_SECRET/);
  });
});
