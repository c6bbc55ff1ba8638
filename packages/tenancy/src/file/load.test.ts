// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tenants file's own ${…} syntax, quoted in tests
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  ACCOUNT_A,
  ACCOUNT_B,
  randomSecret,
  tempFolder,
  vonagePrivateKeyPem,
  writeTwoTenantFile,
} from '../testing/fixtures.ts';
import { type LoadOptions, loadTenantsFile, parseTenantsText } from './load.ts';
import { NO_POLICY_SCHEMA } from './schema.ts';

const base = { baseDir: '/nonexistent' };

function problemsOf(text: string, options: LoadOptions = {}): string[] {
  const result = parseTenantsText(text, { ...base, env: {}, ...options });
  assert.equal(result.ok, false, 'expected the file to be refused');
  return result.ok ? [] : result.problems;
}

function tenantsOf(text: string, options: LoadOptions = {}) {
  const result = parseTenantsText(text, { ...base, env: {}, ...options });
  if (!result.ok) assert.fail(`expected a valid file, got:\n${result.problems.join('\n')}`);
  return result.config.tenants;
}

const minimal = (id: string, secret: string, extra = '') => `
  ${id}:
    oktaOrg: https://${id}.okta.com
    hookAuth: { header: { name: authorization, value: "${secret}" } }
    twilio: { accountSid: "${ACCOUNT_A}", authToken: "${'t'.repeat(32)}", fromNumber: "+15005550006" }${extra}`;

describe('loading a tenants file', () => {
  it('reads every key of a complete file, with ${NAME} and ${file:} substituted', () => {
    const { file, env } = writeTwoTenantFile();
    const result = loadTenantsFile(file, { env });
    if (!result.ok) assert.fail(result.problems.join('\n'));
    const acme = result.config.tenants.get('acme');
    const globex = result.config.tenants.get('globex');
    assert.ok(acme && globex);
    assert.equal(result.config.origin, 'file');
    assert.equal(acme.origin, 'file');
    assert.equal(acme.oktaOrg, 'https://acme.okta.com');
    assert.deepEqual(acme.hookAuth.header, { name: 'authorization', value: env.ACME_HOOK_SECRET });
    assert.deepEqual(acme.hookAuth.oauthClients[0], {
      clientId: 'acme-okta',
      clientSecret: env.ACME_OAUTH_SECRET,
    });
    assert.equal(acme.hookAuth.oauthClients[1]?.clientId, 'acme-hook-key');
    assert.ok(acme.hookAuth.oauthClients[1]?.clientJwks);
    assert.deepEqual(acme.hookAuth.oauthIssuer, {
      issuer: 'https://acme.okta.com/oauth2/default',
      audience: 'api://default',
      scopes: ['okta.telephony'],
    });
    assert.equal(acme.adminToken, env.ACME_ADMIN_TOKEN);
    assert.equal(acme.defaultRegion, 'GB');
    assert.deepEqual(acme.sms, ['twilio', 'vonage']);
    assert.equal(acme.emailFallback, 'sendgrid');
    assert.equal(acme.twilio?.authToken, env.ACME_TWILIO_TOKEN);
    assert.match(
      acme.vonage?.privateKey ?? '',
      /^-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----$/,
    );
    assert.equal(acme.vonage?.fromNumber, 'ACME');
    // The minimum: defaults filled in, the origin normalised (no trailing slash), the header name lower-cased.
    assert.equal(globex.oktaOrg, 'https://globex.oktapreview.com');
    assert.deepEqual(globex.sms, ['twilio']);
    assert.deepEqual(globex.voice, ['twilio']);
    assert.equal(globex.defaultRegion, 'US');
    assert.equal(globex.emailFallback, 'off');
    assert.equal(globex.hookAuth.header?.name, 'x-okta-secret');
    assert.deepEqual(globex.hookAuth.oauthClients, []);
    // The watcher follows the file and the key file it read.
    assert.equal(result.files.length, 2);
    assert.ok(result.files[1]?.endsWith('acme-vonage.key'));
  });

  it('reads JSON as well (JSON is YAML)', () => {
    const secret = randomSecret();
    const tenants = tenantsOf(
      JSON.stringify({
        tenants: {
          acme: {
            oktaOrg: 'https://acme.okta.com',
            hookAuth: {
              oauthIssuer: {
                issuer: 'https://acme.okta.com/oauth2/aus1',
                audience: 'api://byot',
                scopes: 'okta.telephony, extra',
              },
            },
            sms: ['vonage'],
            voice: ['twilio'],
            vonage: { apiKey: 'k', apiSecret: secret, fromNumber: '+447700900123' },
            twilio: { accountSid: ACCOUNT_A, authToken: secret, voiceFromNumber: '+15005550006' },
          },
        },
      }),
    );
    assert.deepEqual(tenants.get('acme')?.hookAuth.oauthIssuer?.scopes, ['okta.telephony', 'extra']);
  });

  it('lists every problem at once, naming tenant and key, and never a value', () => {
    const leaked = 'this-secret-must-not-appear-anywhere';
    const problems = problemsOf(
      `
tenants:
  acme:
    oktaOrg: https://acme.okta.com/some/path
    hookAuth:
      header: { name: "bad header", value: short }
      oauthClients:
        - { clientId: a, clientSecret: "${leaked}", clientJwks: { keys: [] } }
        - { clientId: b }
        - { clientId: a, clientSecret: "${leaked}-2" }
      oauthIssuer: { issuer: "http://acme.okta.com/oauth2/default", audience: "", scopes: [] }
    adminToken: "${leaked}"
    defaultRegion: XX
    sms: [twilio, carrier-pigeon]
    voice: [twilio, twilio]
    twilio: { accountSid: "AC123", authToken: "${leaked}", fromNumber: "5550006" }
  globex:
    oktaOrg: ftp://globex.okta.com
    hookAuth: {}
    emailFallback: sendgrid
    sms: [vonage]
    voice: [vonage]
    vonage: { apiKey: k, privateKey: "not a key ${leaked}" }
`,
      { env: { ACME_X: leaked } },
    );
    const expected = [
      'tenant "acme", oktaOrg: must be the org origin only, e.g. https://acme.okta.com (no path)',
      'tenant "acme", hookAuth.header.name: must be an HTTP header name',
      'tenant "acme", hookAuth.header.value: must be at least 16 characters (the exact value Okta sends; use a long random secret)',
      'tenant "acme", hookAuth.oauthClients[0]: has both clientSecret and clientJwks: register one authentication method per client',
      'tenant "acme", hookAuth.oauthClients[1]: needs clientSecret (client_secret_post/basic) or clientJwks (private_key_jwt)',
      'tenant "acme", hookAuth.oauthClients[2].clientId: is listed twice',
      'tenant "acme", hookAuth.oauthIssuer.issuer: must be an https:// URL (http:// only on a loopback host)',
      'tenant "acme", hookAuth.oauthIssuer.audience: required',
      'tenant "acme", hookAuth.oauthIssuer.scopes: must name at least one scope',
      'tenant "acme", defaultRegion: is not a region the phone-number library knows',
      'tenant "acme", sms[1]: must be one of: twilio, vonage',
      'tenant "acme", voice: must not name a provider twice',
      'tenant "acme", twilio.accountSid: must look like AC followed by 32 hex digits',
      'tenant "acme", twilio.fromNumber: must be an E.164 number such as +15005550006',
      'tenant "globex", oktaOrg: must be an https:// URL (http:// only on a loopback host)',
      'tenant "globex", hookAuth: needs at least one of header, oauthClients, oauthIssuer',
      'tenant "globex", vonage.privateKey: must be a PEM private key (use "${file:/run/secrets/…}" to read it from a file)',
      'tenant "globex", vonage.apiSecret: required: sms lists vonage',
      'tenant "globex", vonage.fromNumber: required: sms lists vonage',
      'tenant "globex", vonage.applicationId: required: voice lists vonage',
      'tenant "globex", vonage.voiceFromNumber: required (or fromNumber): voice lists vonage',
      'tenant "globex", sendgrid: required: emailFallback is sendgrid',
    ];
    for (const line of expected)
      assert.ok(problems.includes(line), `missing problem: ${line}\ngot:\n${problems.join('\n')}`);
    assert.equal(problems.length, expected.length, problems.join('\n'));
    assert.ok(!problems.join('\n').includes(leaked), 'a value leaked into a problem');
  });

  it('refuses unknown keys at every level, naming what is allowed there', () => {
    const secret = randomSecret();
    const problems = problemsOf(`
tenant: {}
tenants:${minimal('acme', secret)}
`);
    assert.ok(problems.includes('unknown key "tenant" (allowed here: tenants)'), problems.join('\n'));
    const deeper = problemsOf(`
tenants:
  acme:
    oktaOrg: https://acme.okta.com
    smsProviders: [twilio]
    hookAuth:
      header: { name: authorization, value: "${secret}", scheme: basic }
      oauth: {}
    twilio: { accountSid: "${ACCOUNT_A}", authTokn: "${secret}", fromNumber: "+15005550006" }
`);
    for (const line of [
      'tenant "acme": unknown key "smsProviders" (allowed here: oktaOrg, oktaApi, hookAuth, adminToken, defaultRegion, sms, voice, emailFallback, twilio, vonage, sendgrid, policy, sendPace)',
      'tenant "acme", hookAuth: unknown key "oauth" (allowed here: header, oauthClients, oauthIssuer)',
      'tenant "acme", hookAuth.header: unknown key "scheme" (allowed here: name, value)',
      'tenant "acme", twilio: unknown key "authTokn" (allowed here: accountSid, authToken, fromNumber, messagingServiceSid, voiceFromNumber)',
      'tenant "acme", twilio.authToken: required',
    ]) {
      assert.ok(deeper.includes(line), `missing: ${line}\ngot:\n${deeper.join('\n')}`);
    }
  });

  it('names the tenant and the key of a missing variable or file', () => {
    const problems = problemsOf(
      `
tenants:
  acme:
    oktaOrg: https://acme.okta.com
    hookAuth: { header: { name: authorization, value: "\${ACME_HOOK_SECRET}" } }
    twilio: { accountSid: "${ACCOUNT_A}", authToken: "\${file:/run/secrets/acme-twilio}", fromNumber: "+15005550006" }
    adminToken: "\${ EMPTY }"
`,
      { env: { EMPTY: '' } },
    );
    assert.deepEqual(problems.sort(), [
      'tenant "acme", adminToken: environment variable EMPTY is not set',
      'tenant "acme", hookAuth.header.value: environment variable ACME_HOOK_SECRET is not set',
      'tenant "acme", twilio.authToken: file /run/secrets/acme-twilio cannot be read (ENOENT)',
    ]);
  });

  it("substitutes inside a value, reads relative files from the file's folder, and keeps $${ literal", () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'token'), '  tttttttttttttttttttttttttttttttt\n');
    const tenants = tenantsOf(
      `
tenants:
  acme:
    oktaOrg: https://acme.okta.com
    hookAuth: { header: { name: authorization, value: "Basic \${CREDS}-$\${literal}" } }
    twilio: { accountSid: "${ACCOUNT_A}", authToken: "\${file:token}", fromNumber: "+15005550006" }
`,
      { env: { CREDS: 'dXNlcjpwYXNzd29yZA==' }, baseDir: folder } as LoadOptions,
    );
    assert.equal(tenants.get('acme')?.hookAuth.header?.value, 'Basic dXNlcjpwYXNzd29yZA==-${literal}');
    assert.equal(tenants.get('acme')?.twilio?.authToken, 't'.repeat(32));
  });

  it('reports YAML syntax errors by position only (the line may hold a secret)', () => {
    const problems = problemsOf(
      'tenants:\n  acme:\n    hookAuth: { header: { value: "s3cr3t-value-here } }\n',
    );
    assert.equal(problems.length >= 1, true);
    assert.match(problems[0] ?? '', /^YAML syntax, line \d+, column \d+: /);
    assert.ok(!problems.join('\n').includes('s3cr3t'));
  });

  it('refuses a tenant listed twice, a bad tenant id, no tenants and an empty file', () => {
    const secret = randomSecret();
    assert.match(
      problemsOf(`tenants:${minimal('acme', secret)}${minimal('acme', `${secret}x`)}`)[0] ?? '',
      /a key appears twice in the same mapping/,
    );
    assert.deepEqual(problemsOf(`tenants:${minimal('Acme_Corp', secret)}`), [
      'tenant "Acme_Corp": is not a valid tenant id: use [a-z0-9][a-z0-9-]{0,39} (lowercase letters, digits, "-")',
    ]);
    assert.deepEqual(problemsOf('tenants: {}'), ['tenants: must list at least one tenant']);
    assert.deepEqual(problemsOf('tenants: [acme]'), ['tenants: must map tenant ids to their settings']);
    assert.deepEqual(problemsOf('# nothing\n'), ['the file is empty: expected "tenants:"']);
  });

  it('keeps credentials apart: no secret shared between tenants or with ADMIN_TOKEN, one org per tenant', () => {
    const shared = randomSecret();
    const adminToken = randomSecret();
    const problems = problemsOf(
      `
tenants:${minimal('acme', shared, `\n    adminToken: "${adminToken}"`)}${minimal('globex', shared)}
  initech:
    oktaOrg: https://acme.okta.com
    hookAuth:
      oauthClients: [{ clientId: x, clientSecret: "${shared}" }]
      oauthIssuer: { issuer: "https://login.example.com", audience: "api://byot", scopes: [okta.telephony] }
    twilio: { accountSid: "${ACCOUNT_B}", authToken: "${'u'.repeat(32)}", fromNumber: "+15005550006" }
  hooli:
    oktaOrg: https://hooli.okta.com
    hookAuth:
      oauthIssuer: { issuer: "https://login.example.com", audience: "api://byot", scopes: [okta.telephony] }
    twilio: { accountSid: "${ACCOUNT_B}", authToken: "${'u'.repeat(32)}", fromNumber: "+15005550006" }
`,
      { reserved: [{ name: 'ADMIN_TOKEN', value: adminToken }] },
    );
    assert.deepEqual(problems.sort(), [
      'tenant "acme", adminToken: is the same secret as ADMIN_TOKEN: every credential must be its own',
      'tenant "globex", hookAuth.header.value: is the same secret as tenant "acme"\'s hookAuth.header.value: every credential must be its own',
      'tenant "hooli", hookAuth.oauthIssuer: has the same issuer and audience (tokens for one would be accepted for the other; set requiredCid to tell them apart) as tenant "initech"',
      'tenant "initech", hookAuth.oauthClients[0].clientSecret: is the same secret as tenant "acme"\'s hookAuth.header.value: every credential must be its own',
      'tenant "initech", oktaOrg: has the same Okta org as tenant "acme"',
    ]);
    // One issuer for two tenants is fine when each requires its own client id; one Twilio account may serve both.
    const tenants = tenantsOf(`
tenants:
  initech:
    oktaOrg: https://initech.okta.com
    hookAuth: { oauthIssuer: { issuer: "https://login.example.com", audience: "api://byot", scopes: [a], requiredCid: c1 } }
    twilio: { accountSid: "${ACCOUNT_B}", authToken: "${'u'.repeat(32)}", fromNumber: "+15005550006" }
  hooli:
    oktaOrg: https://hooli.okta.com
    hookAuth: { oauthIssuer: { issuer: "https://login.example.com", audience: "api://byot", scopes: [a], requiredCid: c2 } }
    twilio: { accountSid: "${ACCOUNT_B}", authToken: "${'u'.repeat(32)}", fromNumber: "+15005550006" }
`);
    assert.equal(tenants.size, 2);
  });

  it("validates policy: with the fraud controls' schema by default, refuses it without one, and takes another", () => {
    const secret = randomSecret();
    const text = `tenants:${minimal('acme', secret, '\n    policy: { allowedCountries: [US, CA], limitPerNumber: 3/15m }')}`;
    // The fraud controls' own schema (the default): their keys and values are accepted, an unknown key refused.
    assert.ok(tenantsOf(text).get('acme')?.policy);
    assert.deepEqual(
      problemsOf(`tenants:${minimal('acme', secret, '\n    policy: { allowedCountrys: US }')}`).map((p) =>
        p.slice(0, 'tenant "acme", policy'.length),
      ),
      ['tenant "acme", policy'],
    );
    assert.ok(
      tenantsOf(`tenants:${minimal('acme', secret, '\n    policy: { allowedCountries: "US,CA" }')}`).get(
        'acme',
      ),
    );
    assert.deepEqual(problemsOf(text, { policySchema: NO_POLICY_SCHEMA }), [
      'tenant "acme", policy: is not supported by this build (no fraud policy schema)',
    ]);
    const policySchema = z.strictObject({
      allowedCountries: z.array(z.string()),
      limitPerNumber: z.string(),
    });
    assert.deepEqual(tenantsOf(text, { policySchema }).get('acme')?.policy, {
      allowedCountries: ['US', 'CA'],
      limitPerNumber: '3/15m',
    });
    assert.deepEqual(
      problemsOf(`tenants:${minimal('acme', secret, '\n    policy: { allowedCountrys: [US] }')}`, {
        policySchema,
      }).sort(),
      [
        'tenant "acme", policy.allowedCountries: Invalid input: expected array, received undefined',
        'tenant "acme", policy.limitPerNumber: Invalid input: expected string, received undefined',
        'tenant "acme", policy: Unrecognized key: "allowedCountrys"',
      ],
    );
  });

  it('reads sendPace (the send pace over the deployment default) and refuses a wrong one by key', () => {
    const secret = randomSecret();
    const paced = (pace: string) => `tenants:${minimal('acme', secret, `\n    sendPace: ${pace}`)}`;
    assert.deepEqual(tenantsOf(paced('{ perSecond: 20, burst: 40 }')).get('acme')?.sendPace, {
      perSecond: 20,
      burst: 40,
    });
    assert.deepEqual(tenantsOf(paced('{ perSecond: 0 }')).get('acme')?.sendPace, { perSecond: 0 });
    assert.equal(tenantsOf(`tenants:${minimal('acme', secret)}`).get('acme')?.sendPace, undefined);
    assert.deepEqual(problemsOf(paced('{ perSecond: -1, burst: 0.5 }')).sort(), [
      'tenant "acme", sendPace.burst: Invalid input: expected int, received number',
      'tenant "acme", sendPace.perSecond: Too small: expected number to be >=0',
    ]);
    assert.match(problemsOf(paced('{ perSecond: 5, rate: 3 }')).join('\n'), /sendPace: unknown key "rate"/);
  });

  it('accepts http:// only on loopback (the sandbox), and a PEM key given inline', () => {
    const pem = vonagePrivateKeyPem();
    const tenants = tenantsOf(
      `
tenants:
  demo:
    oktaOrg: http://127.0.0.1:4020
    hookAuth: { oauthIssuer: { issuer: "http://localhost:4020/oauth2/default", audience: "api://default", scopes: [okta.telephony] } }
    voice: [vonage]
    sms: [vonage]
    vonage: { apiKey: k, apiSecret: s, fromNumber: BYOT, applicationId: app, privateKey: ${JSON.stringify(pem)} }
`,
    );
    assert.equal(tenants.get('demo')?.oktaOrg, 'http://127.0.0.1:4020');
  });

  it("reads oktaApi (the okta command's Management API credentials): a token, or a service app, not both", () => {
    const token = randomSecret();
    const pem = vonagePrivateKeyPem();
    const tenants = tenantsOf(
      `tenants:${minimal('acme', randomSecret(), `\n    oktaApi: { token: "${token}" }`)}${minimal(
        'globex',
        randomSecret(),
        `\n    oktaApi: { clientId: 0oa-service-app, privateKey: ${JSON.stringify(pem)}, scopes: "okta.inlineHooks.manage okta.policies.manage" }`,
      ).replace(ACCOUNT_A, ACCOUNT_B)}`,
    );
    assert.deepEqual(tenants.get('acme')?.oktaApi, { token });
    assert.deepEqual(tenants.get('globex')?.oktaApi, {
      clientId: '0oa-service-app',
      privateKey: pem,
      scopes: ['okta.inlineHooks.manage', 'okta.policies.manage'],
    });
    const problems = (extra: string) =>
      problemsOf(`tenants:${minimal('acme', randomSecret(), `\n    oktaApi: ${extra}`)}`);
    assert.deepEqual(problems(`{ token: "${token}", clientId: app }`), [
      'tenant "acme", oktaApi: has both token and a service app (clientId, privateKey): give one',
    ]);
    assert.deepEqual(problems('{ clientId: app }'), [
      'tenant "acme", oktaApi.privateKey: required with clientId',
    ]);
    assert.deepEqual(problems('{ clientId: app, privateKey: "not a key" }'), [
      'tenant "acme", oktaApi.privateKey: must be a PEM or JWK private key (use "${file:/run/secrets/…}" to read it from a file)',
    ]);
    assert.match(
      problems(`{ tokn: "${token}" }`).join('\n'),
      /oktaApi: unknown key "tokn" \(allowed here: token, clientId, privateKey, keyId, scopes\)/,
    );
    assert.deepEqual(problems('{ token: short }'), [
      'tenant "acme", oktaApi.token: must be at least 20 characters (an Okta API token (Security → API → Tokens), used as \'SSWS <token>\')',
    ]);
  });

  it('reports a file that cannot be read', () => {
    const result = loadTenantsFile('/nonexistent/tenants.yaml');
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.problems, ['/nonexistent/tenants.yaml cannot be read (ENOENT)']);
  });
});
