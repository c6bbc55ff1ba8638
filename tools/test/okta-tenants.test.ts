// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tenants file's own ${…} syntax
/**
 * `--tenant ID` and `--all-tenants`: the tenants file (read with packages/tenancy's loader) decides each tenant's
 * Okta org, Management API credentials, hook URL and hook authentication. Two okta-sim orgs on their own ports
 * play two customers' orgs; the checks are on the Okta side (what each org ends up configured with).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestOktaSim, type TestOktaSim } from '@byot/okta-sim/testing';
import { runCli } from '../src/okta/cli.ts';
import { NAMES } from '../src/okta/names.ts';
import { fileTenants } from '../src/okta/tenants.ts';

const PUBLIC_BASE_URL = 'https://byot.msp.example';
const ACME_HOOK_SECRET = 'Basic YWNtZS1ob29rLXNlY3JldC0wMTIzNDU2Nzg5';
const GLOBEX_OAUTH_SECRET = 'globex-oauth-client-secret-0123456789abcdef';

interface Run {
  code: number;
  out: string;
  err: string;
}

describe('byot-okta --tenant / --all-tenants (tenants file, two okta-sim orgs)', () => {
  let acme: TestOktaSim;
  let globex: TestOktaSim;
  let file: string;
  let env: Record<string, string>;

  before(async () => {
    acme = await startTestOktaSim({ apiToken: '00acme-okta-api-token-0123456789' });
    globex = await startTestOktaSim({ apiToken: '00globex-okta-api-token-0123456789' });
    const dir = mkdtempSync(join(tmpdir(), 'byot-okta-tenants-'));
    file = join(dir, 'tenants.yaml');
    writeFileSync(
      file,
      `tenants:
  acme:
    oktaOrg: ${acme.url}
    oktaApi: { token: "\${ACME_OKTA_API_TOKEN}" }
    hookAuth:
      header: { name: authorization, value: "\${ACME_HOOK_SECRET}" }
    twilio: { accountSid: "AC00000000000000000000000000000001", authToken: "\${ACME_TWILIO_TOKEN}", fromNumber: "+15005550006" }
  globex:
    oktaOrg: ${globex.url}
    oktaApi: { token: "\${GLOBEX_OKTA_API_TOKEN}" }
    hookAuth:
      oauthClients:
        - { clientId: globex-okta, clientSecret: "\${GLOBEX_OAUTH_SECRET}" }
    twilio: { accountSid: "AC00000000000000000000000000000002", authToken: "\${GLOBEX_TWILIO_TOKEN}", fromNumber: "+15005550006" }
  initech:
    # An org that is down (nothing listens on port 9 of loopback): --all-tenants goes on past it.
    oktaOrg: http://127.0.0.1:9
    oktaApi: { token: "00initech-okta-api-token-0123456789" }
    hookAuth:
      header: { name: authorization, value: "\${INITECH_HOOK_SECRET}" }
    twilio: { accountSid: "AC00000000000000000000000000000003", authToken: "\${INITECH_TWILIO_TOKEN}", fromNumber: "+15005550006" }
  umbrella:
    # No oktaApi: the command says what to add.
    oktaOrg: https://umbrella.okta.com
    hookAuth:
      header: { name: authorization, value: "\${UMBRELLA_HOOK_SECRET}" }
    twilio: { accountSid: "AC00000000000000000000000000000004", authToken: "\${UMBRELLA_TWILIO_TOKEN}", fromNumber: "+15005550006" }
`,
    );
    env = {
      PUBLIC_BASE_URL,
      ACME_OKTA_API_TOKEN: acme.apiToken,
      GLOBEX_OKTA_API_TOKEN: globex.apiToken,
      ACME_HOOK_SECRET,
      GLOBEX_OAUTH_SECRET,
      INITECH_HOOK_SECRET: 'Basic aW5pdGVjaC1ob29rLXNlY3JldC0wMTIzNDU2',
      UMBRELLA_HOOK_SECRET: 'Basic dW1icmVsbGEtaG9vay1zZWNyZXQtMDEyMzQ1',
      ACME_TWILIO_TOKEN: 'a'.repeat(32),
      GLOBEX_TWILIO_TOKEN: 'b'.repeat(32),
      INITECH_TWILIO_TOKEN: 'c'.repeat(32),
      UMBRELLA_TWILIO_TOKEN: 'd'.repeat(32),
      // The single org's settings: never used for a tenant of the file.
      OKTA_ORG_URL: 'https://single.okta.com',
      OKTA_API_TOKEN: '00single-org-token-never-for-tenants',
      OKTA_HOOK_AUTH_SECRET: 'Basic c2luZ2xlLW9yZy1zZWNyZXQ=',
    };
  });
  after(() => Promise.all([acme.close(), globex.close()]));

  async function okta(argv: string[]): Promise<Run> {
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
      },
      tenants: fileTenants(file, env),
      ledgerWaitMs: 1_000,
    });
    return { code, out, err };
  }

  const hookOf = (sim: TestOktaSim) =>
    [...sim.sim.org.inlineHooks.values()].find((h) => h.name === NAMES.hook);

  it("setup --tenant acme configures acme's org only: its hook URL, its header secret, the guide's objects", async () => {
    const run = await okta(['setup', '--tenant', 'acme', '--user', 'test.user@acme.example']);
    assert.equal(run.code, 0, run.err + run.out);
    assert.match(
      run.out,
      new RegExp(`^org ${acme.url} \\(tenant acme of ${file}, API token\\), tenant acme$`, 'm'),
    );
    assert.match(run.out, /\+ created +telephony inline hook/);
    const hook = hookOf(acme);
    assert.equal(hook?.status, 'ACTIVE');
    assert.equal(hook?.channel.type, 'HTTP');
    assert.equal(hook?.channel.config.uri, `${PUBLIC_BASE_URL}/v1/okta/telephony/acme`);
    assert.equal(acme.sim.org.hookSecrets.get(hook?.id ?? '')?.headerValue, ACME_HOOK_SECRET);
    const phone = acme.sim.org.authenticatorByKey('phone_number');
    assert.equal(phone?.status, 'ACTIVE');
    assert.equal(acme.sim.org.policiesOf('MFA_ENROLL')[0]?.name, NAMES.enrollmentPolicy);
    const access = acme.sim.org.policiesOf('ACCESS_POLICY').find((p) => p.system);
    assert.equal(acme.sim.org.rulesOf(access?.id ?? '')[0]?.name, NAMES.accessRule);
    assert.equal(hookOf(globex), undefined, "globex's org is untouched");
    assert.doesNotMatch(run.out + run.err, /YWNtZS1ob29r/, "the tenant's secret is never printed");
  });

  it("setup --tenant globex uses globex's OAuth client and its token URL {PUBLIC_BASE_URL}/oauth2/globex/v1/token", async () => {
    const run = await okta(['setup', '--tenant', 'globex']);
    assert.equal(run.code, 0, run.err + run.out);
    const hook = hookOf(globex);
    assert.equal(hook?.channel.type, 'OAUTH');
    if (hook?.channel.type !== 'OAUTH') return;
    assert.equal(hook.channel.config.uri, `${PUBLIC_BASE_URL}/v1/okta/telephony/globex`);
    assert.equal(hook.channel.config.tokenUrl, `${PUBLIC_BASE_URL}/oauth2/globex/v1/token`);
    assert.equal(hook.channel.config.clientId, 'globex-okta');
    assert.equal(hook.channel.config.authType, 'client_secret_post');
    assert.equal(globex.sim.org.hookSecrets.get(hook.id)?.clientSecret, GLOBEX_OAUTH_SECRET);
    assert.equal(hookOf(acme)?.channel.type, 'HTTP', "acme's hook is still its own");
    assert.equal(globex.sim.org.policiesOf('MFA_ENROLL')[0]?.name, NAMES.enrollmentPolicy);
  });

  it('status --all-tenants: one row per tenant, past the unreachable and the unconfigured one; exit 1', async () => {
    const run = await okta(['status', '--all-tenants']);
    assert.equal(run.code, 1);
    assert.match(run.out, /^── tenant acme /m);
    assert.match(run.out, /status --all-tenants: 2 of 4 tenant\(s\) ok/);
    assert.match(run.out, /^tenant +org +result +details$/m);
    assert.match(run.out, new RegExp(`^acme +${acme.url} +ok +no drift$`, 'm'));
    assert.match(run.out, new RegExp(`^globex +${globex.url} +ok +no drift$`, 'm'));
    assert.match(run.out, /^initech +http:\/\/127\.0\.0\.1:9 +FAILED +cannot reach Okta: ECONNREFUSED$/m);
    assert.match(
      run.out,
      /^umbrella +- +FAILED +tenant "umbrella" has no Management API credentials: add oktaApi/m,
    );
  });

  it("status finds drift per tenant: a changed hook URL in one org shows in that tenant's row only", async () => {
    const hook = hookOf(globex);
    assert.ok(hook);
    hook.channel.config.uri = 'https://elsewhere.example/v1/okta/telephony/globex';
    const run = await okta(['status', '--all-tenants']);
    assert.equal(run.code, 1);
    assert.match(run.out, new RegExp(`^acme +${acme.url} +ok +no drift$`, 'm'));
    assert.match(run.out, /^globex .* FAILED +drift: telephony inline hook "byot telephony hook": differs$/m);
    const fixed = await okta(['setup', '--all-tenants']);
    assert.equal(fixed.code, 1, 'initech and umbrella still fail');
    assert.match(fixed.out, new RegExp(`^acme +${acme.url} +ok +already right$`, 'm'));
    assert.match(fixed.out, new RegExp(`^globex +${globex.url} +ok +1 step\\(s\\) changed$`, 'm'));
    assert.equal(hookOf(globex)?.channel.config.uri, `${PUBLIC_BASE_URL}/v1/okta/telephony/globex`);
  });

  it("prints a generated OAuth client as the tenant's block for the tenants file, and refuses --org-url with --tenant", async () => {
    const run = await okta(['setup', '--tenant', 'acme', '--auth', 'oauth', '--dry-run']);
    assert.equal(run.code, 0, run.err + run.out);
    assert.match(run.out, /would update +telephony inline hook/);
    const applied = await okta(['setup', '--tenant', 'acme', '--auth', 'oauth']);
    assert.equal(applied.code, 0, applied.err + applied.out);
    assert.match(applied.out, new RegExp(`Generated for tenant acme — add to its entry in ${file}`));
    assert.match(
      applied.out,
      /^ {8}- \{ clientId: okta-hook-[0-9a-f]+, clientSecret: "\$\{ACME_OAUTH_SECRET\}" \}$/m,
    );
    const secret = /^ {2}ACME_OAUTH_SECRET='([^']+)'$/m.exec(applied.out)?.[1];
    const hook = hookOf(acme);
    assert.equal(
      hook?.channel.type === 'OAUTH' && hook.channel.config.tokenUrl,
      `${PUBLIC_BASE_URL}/oauth2/acme/v1/token`,
    );
    assert.equal(acme.sim.org.hookSecrets.get(hook?.id ?? '')?.clientSecret, secret);
    const refused = await okta(['status', '--tenant', 'acme', '--org-url', globex.url]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /--org-url is for the environment's org/);
    const unknown = await okta(['status', '--tenant', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.err,
      /tenant "nobody" is not in .*tenants\.yaml \(tenants: acme, globex, initech, umbrella\)/,
    );
  });
});
