import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  api,
  type HookReceiver,
  startHookReceiver,
  startTestOktaSim,
  type TestOktaSim,
} from '@byot/okta-sim/testing';
import { runCli } from '../src/okta/cli.ts';
import { MANAGEMENT_SCOPES, NAMES } from '../src/okta/names.ts';
import { environmentTenants } from '../src/okta/tenants.ts';

const SECRET = 'Basic b2t0YTp0ZXN0LXNlY3JldC0wMTIzNDU2Nzg5';

interface Run {
  code: number;
  out: string;
  err: string;
}

/** The command in-process, against the simulator over real HTTP, with exactly the environment given. */
async function okta(
  sim: TestOktaSim,
  argv: string[],
  env: Record<string, string> = {},
  confirm?: boolean,
): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      ...(confirm === undefined ? {} : { confirm: async () => confirm }),
    },
    tenants: environmentTenants({
      OKTA_ORG_URL: sim.url,
      OKTA_API_TOKEN: sim.apiToken,
      OKTA_HOOK_AUTH_SECRET: SECRET,
      ...env,
    }),
    ledgerWaitMs: 2_000,
  });
  return { code, out, err };
}

/** Everything the org holds, to prove that a run changed nothing. */
function snapshot(sim: TestOktaSim): string {
  const { org } = sim.sim;
  return JSON.stringify({
    hooks: [...org.inlineHooks.values()],
    secrets: [...org.hookSecrets.entries()],
    keys: [...org.hookKeys.values()].map((k) => k.id),
    authenticators: [...org.authenticators.values()],
    policies: [...org.policies.values()],
    rules: [...org.rules.values()],
    groups: [...org.groups.values()].map((g) => ({ ...g, members: [...g.members] })),
    users: [...org.users.values()],
    zones: [...org.zones.values()],
  });
}

const HOOK_URL = 'https://byot.example.com/v1/okta/telephony';
const SETUP = ['setup', '--hook-url', HOOK_URL, '--user', 'test.user@example.com'];

describe('byot-okta against okta-sim (real HTTP)', () => {
  let sim: TestOktaSim;
  beforeEach(async () => {
    sim = await startTestOktaSim({ pagination: { defaultLimit: 2 } });
  });
  afterEach(() => sim.close());

  it('setup creates every object of the guide; a second run changes nothing', async () => {
    const first = await okta(sim, [...SETUP, '--voice', '--zone', 'US only', '--zone-countries', 'US']);
    assert.equal(first.code, 0, first.err + first.out);
    for (const line of [
      /\+ created +telephony inline hook "byot telephony hook"/,
      /~ updated +phone authenticator/,
      /\+ created +network zone "US only"/,
      /\+ created +group "byot phone users"/,
      /\+ created +test user test.user@example.com/,
      /\+ created +enrollment policy "byot phone enrollment"/,
      /\+ created +enrollment rule "byot phone enrollment rule"/,
      /\+ created +authentication rule "byot password \+ phone"/,
    ]) {
      assert.match(first.out, line);
    }
    assert.doesNotMatch(first.out + first.err, /test-secret/, 'a configured secret is never printed');
    const { org } = sim.sim;
    const hook = [...org.inlineHooks.values()][0];
    assert.equal(hook?.status, 'ACTIVE');
    assert.equal(hook?.channel.config.uri, HOOK_URL);
    assert.equal(org.hookSecrets.get(hook?.id ?? '')?.headerValue, SECRET);
    const phone = org.authenticatorByKey('phone_number');
    assert.equal(phone?.status, 'ACTIVE');
    assert.equal(phone?.settings?.allowedFor, 'any');
    assert.deepEqual(
      phone?.methods.map((m) => m.status),
      ['ACTIVE', 'ACTIVE'],
    );
    const policy = org.policiesOf('MFA_ENROLL')[0];
    assert.equal(policy?.name, NAMES.enrollmentPolicy);
    assert.equal(policy?.priority, 1);
    const rule = org.rulesOf(policy?.id ?? '')[0];
    assert.ok(rule);
    assert.equal((rule.conditions as { network: { connection: string } }).network.connection, 'ZONE');
    const access = org.policiesOf('ACCESS_POLICY').find((p) => p.system);
    assert.deepEqual(
      org.rulesOf(access?.id ?? '').map((r) => [r.name, r.priority]),
      [
        [NAMES.accessRule, 1],
        ['Catch-all Rule', 99],
      ],
    );
    const user = org.findUser('test.user@example.com');
    assert.ok(user && org.groupByName(NAMES.group)?.members.has(user.id));

    const before = snapshot(sim);
    const second = await okta(sim, [...SETUP, '--voice', '--zone', 'US only', '--zone-countries', 'US']);
    assert.equal(second.code, 0, second.err);
    assert.doesNotMatch(second.out, /created|updated/);
    assert.equal(second.out.match(/= already right/g)?.length, 8);
    assert.match(second.out, /nothing to change/);
    assert.equal(snapshot(sim), before, 'the org is exactly as it was');
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const before = snapshot(sim);
    const plan = await okta(sim, [...SETUP, '--dry-run']);
    assert.equal(plan.code, 0, plan.err);
    assert.match(plan.out, /\+ would create +telephony inline hook/);
    assert.match(plan.out, /~ would update +phone authenticator/);
    assert.match(plan.out, /dry run: nothing was changed/);
    assert.equal(snapshot(sim), before);
  });

  it('status: no drift after setup (with no options at all), then each kind of drift, exit 1', async () => {
    assert.equal((await okta(sim, SETUP)).code, 0);
    const clean = await okta(sim, ['status']);
    assert.equal(clean.code, 0, clean.out);
    assert.match(clean.out, /no drift/);
    assert.match(clean.out, /members of "byot phone users"[\s\S]*test.user@example.com/);

    // Someone puts another rule above ours, deactivates the hook and changes the secret byot uses.
    const access = (await api(sim, 'GET', '/api/v1/policies?type=ACCESS_POLICY')).body.find(
      (p: { system: boolean }) => p.system,
    );
    await api(sim, 'POST', `/api/v1/policies/${access.id}/rules`, {
      type: 'ACCESS_POLICY',
      name: 'someone else',
      priority: 1,
      actions: {
        appSignOn: {
          access: 'ALLOW',
          verificationMethod: {
            type: 'ASSURANCE',
            factorMode: '1FA',
            reauthenticateIn: 'PT0S',
            constraints: [],
          },
        },
      },
    });
    const hook = [...sim.sim.org.inlineHooks.values()][0];
    await api(sim, 'POST', `/api/v1/inlineHooks/${hook?.id}/lifecycle/deactivate`);
    const drift = await okta(sim, ['status'], { OKTA_HOOK_AUTH_SECRET: 'Basic another-secret-entirely' });
    assert.equal(drift.code, 1);
    assert.match(
      drift.out,
      /! differs +telephony inline hook[\s\S]*status INACTIVE[\s\S]*not OKTA_HOOK_AUTH_SECRET \(fingerprints differ\)/,
    );
    assert.match(drift.out, /! differs +authentication rule[\s\S]*priority 2, should be 1/);
    assert.match(drift.out, /drift: 2 findings/);

    // setup fixes what it owns.
    const fixed = await okta(sim, SETUP);
    assert.equal(fixed.code, 0, fixed.err);
    assert.match(fixed.out, /~ updated +telephony inline hook/);
    assert.match(fixed.out, /~ updated +authentication rule/);
    assert.equal((await okta(sim, ['status'])).code, 0);
  });

  it('status reports a second active telephony hook and an active native telephony provider', async () => {
    await sim.close();
    sim = await startTestOktaSim({ secondTelephonyHook: 'skip' });
    assert.equal((await okta(sim, SETUP)).code, 0);
    await api(sim, 'POST', '/api/v1/inlineHooks', {
      name: 'hand-made hook',
      type: 'com.okta.telephony.provider',
      version: '1.0.0',
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: 'https://other.example.com/hook',
          authScheme: { type: 'HEADER', key: 'Authorization', value: 'x' },
        },
      },
    });
    const two = await okta(sim, ['status']);
    assert.equal(two.code, 1);
    assert.match(two.out, /! conflict +second active telephony hook[\s\S]*"hand-made hook"/);
    const again = await okta(sim, SETUP);
    assert.equal(again.code, 1, 'setup stops rather than fight another hook');
    assert.match(again.err, /stopped: another telephony inline hook is active: "hand-made hook"/);

    for (const h of sim.sim.org.inlineHooks.values()) h.status = 'INACTIVE';
    await api(sim, 'POST', '/api/v1/telephony-providers', {
      providerName: 'TWILIO',
      providerSid: 'AC1',
      providerAuthToken: 't',
    });
    const native = await okta(sim, ['status']);
    assert.equal(native.code, 1);
    assert.match(native.out, /! conflict +custom telephony provider[\s\S]*native TWILIO provider/);
  });

  it('generates a header secret only when byot has none, prints it once, and keeps it on re-runs', async () => {
    const first = await okta(sim, ['setup', '--hook-url', HOOK_URL], { OKTA_HOOK_AUTH_SECRET: '' });
    assert.equal(first.code, 0, first.err);
    const secret = /OKTA_HOOK_AUTH_SECRET='([^']+)'/.exec(first.out)?.[1];
    assert.ok(secret, first.out);
    assert.match(first.out, /shown only this once/);
    const hook = [...sim.sim.org.inlineHooks.values()][0];
    assert.equal(sim.sim.org.hookSecrets.get(hook?.id ?? '')?.headerValue, secret);
    const second = await okta(sim, ['setup', '--hook-url', HOOK_URL], { OKTA_HOOK_AUTH_SECRET: '' });
    assert.doesNotMatch(second.out, /OKTA_HOOK_AUTH_SECRET=/);
    assert.match(second.out, /= already right +telephony inline hook[\s\S]*secret not compared/);
    assert.equal(sim.sim.org.hookSecrets.get(hook?.id ?? '')?.headerValue, secret);
    const configured = await okta(sim, ['status'], { OKTA_HOOK_AUTH_SECRET: secret });
    assert.equal(
      configured.code,
      0,
      'the fingerprint matches once byot is configured with the generated secret',
    );
  });

  it('--auth oauth: a client on byot token endpoint (client_secret_post), generated when byot has none', async () => {
    const first = await okta(sim, ['setup', '--hook-url', HOOK_URL, '--auth', 'oauth']);
    assert.equal(first.code, 0, first.err);
    const id = /OKTA_HOOK_OAUTH_CLIENT_ID='([^']+)'/.exec(first.out)?.[1];
    const secret = /OKTA_HOOK_OAUTH_CLIENT_SECRET='([^']+)'/.exec(first.out)?.[1];
    assert.ok(id && secret, first.out);
    assert.match(first.out, /OKTA_HOOK_AUTH='oauth'/);
    const hook = [...sim.sim.org.inlineHooks.values()][0];
    assert.equal(hook?.channel.type, 'OAUTH');
    assert.deepEqual(
      hook?.channel.type === 'OAUTH' && {
        clientId: hook.channel.config.clientId,
        tokenUrl: hook.channel.config.tokenUrl,
        scope: hook.channel.config.scope,
        authType: hook.channel.config.authType,
      },
      {
        clientId: id,
        tokenUrl: 'https://byot.example.com/oauth2/default/v1/token',
        scope: 'byot.telephony',
        authType: 'client_secret_post',
      },
    );
    assert.equal(sim.sim.org.hookSecrets.get(hook?.id ?? '')?.clientSecret, secret);
    const env = { OKTA_HOOK_OAUTH_CLIENT_ID: id, OKTA_HOOK_OAUTH_CLIENT_SECRET: secret };
    const second = await okta(sim, ['setup', '--hook-url', HOOK_URL, '--auth', 'oauth'], env);
    assert.match(second.out, /nothing to change/);
    const wrong = await okta(sim, ['status', '--auth', 'oauth'], {
      ...env,
      OKTA_HOOK_OAUTH_CLIENT_SECRET: 'rotated-elsewhere',
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.out, /client secret in Okta is not OKTA_HOOK_OAUTH_CLIENT_SECRET/);
    // Back to the header scheme: the hook is updated in place.
    const header = await okta(sim, ['setup', '--hook-url', HOOK_URL, '--auth', 'header']);
    assert.match(
      header.out,
      /~ updated +telephony inline hook[\s\S]*authentication OAuth 2.0, should be header/,
    );
  });

  it('--auth oauth --client-auth private_key_jwt: creates the hook key and prints its public JWK for byot', async () => {
    const run = await okta(sim, [
      'setup',
      '--hook-url',
      HOOK_URL,
      '--auth',
      'oauth',
      '--client-auth',
      'private_key_jwt',
    ]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /\+ created +hook key "byot hook key"/);
    const jwks = JSON.parse(/OKTA_HOOK_OAUTH_CLIENT_JWKS='([^']+)'/.exec(run.out)?.[1] ?? '{}') as {
      keys: { kid: string }[];
    };
    const key = [...sim.sim.org.hookKeys.values()][0];
    assert.equal(jwks.keys[0]?.kid, key?.keyId);
    const hook = [...sim.sim.org.inlineHooks.values()][0];
    assert.equal(hook?.channel.type === 'OAUTH' && hook.channel.config.hookKeyId, key?.id);
    const again = await okta(
      sim,
      ['setup', '--hook-url', HOOK_URL, '--auth', 'oauth', '--client-auth', 'private_key_jwt'],
      {
        OKTA_HOOK_OAUTH_CLIENT_ID: hook?.channel.type === 'OAUTH' ? hook.channel.config.clientId : '',
        OKTA_HOOK_OAUTH_CLIENT_JWKS: JSON.stringify(jwks),
      },
    );
    assert.match(again.out, /nothing to change/);
    assert.doesNotMatch(again.out, /OKTA_HOOK_OAUTH_CLIENT_JWKS=/);
  });

  it('teardown asks first, removes what setup made (by name, with no options), keeps what it did not make', async () => {
    assert.equal((await okta(sim, SETUP)).code, 0);
    const noTerminal = await okta(sim, ['teardown']);
    assert.equal(noTerminal.code, 1);
    assert.match(noTerminal.err, /pass --yes/);
    const declined = await okta(sim, ['teardown'], {}, false);
    assert.match(declined.out, /nothing removed/);
    assert.equal(sim.sim.org.inlineHooks.size, 1);
    const done = await okta(sim, ['teardown'], {}, true);
    assert.equal(done.code, 0, done.err);
    assert.match(done.out, /- removed +telephony inline hook/);
    const { org } = sim.sim;
    assert.equal(org.inlineHooks.size, 0);
    assert.equal(org.groupByName(NAMES.group), undefined);
    assert.equal(org.policiesOf('MFA_ENROLL').length, 1, 'only the default policy is left');
    assert.ok(org.findUser('test.user@example.com'), 'users are kept');
    assert.match((await okta(sim, ['teardown', '--yes'])).out, /nothing to remove/);
    const status = await okta(sim, ['status']);
    assert.equal(status.code, 1);
    assert.match(status.out, /! missing +telephony inline hook/);
  });

  it('teardown keeps a group setup did not create', async () => {
    await api(sim, 'POST', '/api/v1/groups', { profile: { name: 'helpdesk', description: 'made by hand' } });
    assert.equal((await okta(sim, [...SETUP, '--group', 'helpdesk'])).code, 0);
    const done = await okta(sim, ['teardown', '--yes']);
    assert.match(done.out, /keeps:[\s\S]*group "helpdesk" \(not created by setup\)/);
    assert.ok(sim.sim.org.groupByName('helpdesk'));
  });

  it("retries Okta's 429s as X-Rate-Limit-Reset says, and shows Okta's errors plainly", async () => {
    sim.sim.rateLimiter.inject({ next: 2, resetSeconds: 1 });
    const throttled = await okta(sim, ['status']);
    assert.match(throttled.err, /Okta rate limit \(429\) on \/api\/v1\/inlineHooks: retrying in \d+ s/);
    assert.equal(sim.sim.rateLimiter.throttled, 2);
    assert.match(throttled.out, /! missing +telephony inline hook/);

    const zone = await okta(sim, [...SETUP, '--zone', 'Nowhere']);
    assert.equal(zone.code, 1);
    assert.match(zone.err, /stopped: network zone "Nowhere" not found/);
    const badToken = await okta(sim, ['status'], { OKTA_API_TOKEN: 'wrong-token-0123456789' });
    assert.equal(badToken.code, 1);
    assert.match(badToken.err, /Okta answered 401 E0000011: Invalid token provided/);
  });

  it('refuses plain http:// outside loopback, unknown options, and tenants it has no file for', async () => {
    const http = await okta(sim, ['status', '--org-url', 'http://acme.okta.com']);
    assert.equal(http.code, 2);
    assert.match(http.err, /must use https:\/\//);
    // Against a loopback simulator the command defers to the simulator's rule (its sandbox may allow a host,
    // e.g. hook-ingress in compose); okta-sim, as Okta, refuses plain http:// elsewhere.
    const hookHttp = await okta(sim, ['setup', '--hook-url', 'http://byot.example.com/hook']);
    assert.equal(hookHttp.code, 1);
    assert.match(hookHttp.err, /E0000001.*must use https:\/\//);
    assert.equal((await okta(sim, ['status', '--yes'])).code, 2);
    assert.equal((await okta(sim, ['setup'])).code, 2, 'setup needs --hook-url');
    const tenant = await okta(sim, ['status', '--tenant', 'acme']);
    assert.equal(tenant.code, 1);
    assert.match(tenant.err, /tenant "acme" is unknown/);
    const all = await okta(sim, ['status', '--all-tenants']);
    assert.equal(all.code, 1);
    assert.match(all.out, /^tenant +org +result +details$/m);
    assert.match(all.out, /^default +http:\/\/127\.0\.0\.1:\d+ +FAILED +drift: /m);
  });

  it('works with an OAuth 2.0 service app (OKTA_CLIENT_ID + OKTA_PRIVATE_KEY) within its scopes', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    sim.sim.auth.registerServiceApp({
      clientId: '0oabyotokta',
      keys: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      scopes: [...MANAGEMENT_SCOPES],
    });
    const env = {
      OKTA_API_TOKEN: '',
      OKTA_CLIENT_ID: '0oabyotokta',
      OKTA_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    const run = await okta(sim, SETUP, env);
    assert.equal(run.code, 0, run.err + run.out);
    assert.match(run.out, /service app 0oabyotokta/);
    assert.equal((await okta(sim, ['status'], env)).code, 0);
  });
});

describe('byot-okta verify (execute, then byot ledger)', () => {
  let receiver: HookReceiver;
  let sim: TestOktaSim;
  before(async () => {
    receiver = await startHookReceiver();
    sim = await startTestOktaSim();
  });
  after(async () => {
    await sim.close();
    await receiver.close();
  });

  it("prints Okta's view of the answer and the ledger entry", async () => {
    receiver.answer = (request) => {
      if (request.path.startsWith('/v1/deliveries/')) {
        assert.equal(request.headers.authorization, 'Bearer admin-token-0123456789abcdef');
        return {
          status: 200,
          body: {
            delivery: 'delivered',
            channel: 'sms',
            phoneMasked: '+1••••••••23',
            attempts: [{ provider: 'twilio', result: 'accepted', status: 'delivered' }],
            delivered: { provider: 'twilio', latencyMs: 412 },
          },
        };
      }
      return {
        status: 200,
        body: {
          commands: [
            {
              type: 'com.okta.telephony.action',
              value: [{ status: 'SUCCESSFUL', provider: 'TWILIO', transactionId: 'SM9' }],
            },
          ],
        },
      };
    };
    assert.equal((await okta(sim, ['setup', '--hook-url', receiver.hookUrl])).code, 0);
    const run = await okta(sim, ['verify', '--phone', '+14155550123'], {
      ADMIN_TOKEN: 'admin-token-0123456789abcdef',
    });
    assert.equal(run.code, 0, run.err + run.out);
    assert.match(run.out, /execute {2}eventId=\w+ {2}\(sms, \+1••••••••23\)/);
    assert.match(run.out, /Okta would: record delivery by TWILIO \(SM9\); no fallback/);
    assert.match(run.out, /byot's ledger: delivered by twilio 412 ms after Okta's call/);
    const call = receiver.received.find((r) => r.path === '/hook');
    assert.equal(call?.headers.authorization, SECRET);
    assert.doesNotMatch(run.out, /4155550123/);

    receiver.answer = () => ({ status: 200, body: { error: { errorSummary: 'refused' } } });
    const refused = await okta(sim, ['verify']);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /Okta would: fail the hook \("refused"\) and fall back to its own providers/);
  });
});
