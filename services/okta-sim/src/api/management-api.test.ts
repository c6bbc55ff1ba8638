import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { api, startTestOktaSim, type TestOktaSim } from '../testing/harness.ts';

const httpHook = (uri: string, extra: Record<string, unknown> = {}) => ({
  name: 'hook',
  type: 'com.okta.telephony.provider',
  version: '1.0.0',
  channel: {
    type: 'HTTP',
    version: '1.0.0',
    config: {
      uri,
      method: 'POST',
      headers: [],
      authScheme: { type: 'HEADER', key: 'Authorization', value: 'Basic c2VjcmV0' },
    },
  },
  ...extra,
});

describe('okta-sim Management API (over HTTP)', () => {
  let okta: TestOktaSim;
  before(async () => {
    okta = await startTestOktaSim({ pagination: { defaultLimit: 2 } });
  });
  after(() => okta.close());

  it('refuses a missing or wrong SSWS token with E0000011, in Okta error shape', async () => {
    for (const authorization of [
      '',
      'SSWS wrong-token-0000000000',
      `Bearer ${okta.apiToken}`,
      `SSWS ${okta.apiToken} x`,
    ]) {
      const res = await api(okta, 'GET', '/api/v1/inlineHooks', undefined, { authorization });
      assert.equal(res.status, 401, authorization);
      assert.equal(res.body.errorCode, 'E0000011');
      assert.equal(res.body.errorSummary, 'Invalid token provided');
      assert.equal(res.body.errorLink, 'E0000011');
      assert.match(res.body.errorId, /^oae/);
      assert.deepEqual(res.body.errorCauses, []);
    }
  });

  it('paginates with Link rel="next" until the last page, and answers rate-limit headers', async () => {
    for (const login of ['a', 'b', 'c']) {
      const created = await api(okta, 'POST', '/api/v1/users?activate=true', {
        profile: {
          login: `${login}@example.com`,
          email: `${login}@example.com`,
          firstName: login,
          lastName: 'X',
        },
      });
      assert.equal(created.status, 200);
    }
    const logins: string[] = [];
    let url: string | undefined = '/api/v1/users';
    let pages = 0;
    while (url) {
      const page = await api(okta, 'GET', url);
      pages += 1;
      assert.ok(page.body.length <= 2);
      logins.push(...page.body.map((u: { profile: { login: string } }) => u.profile.login));
      assert.match(page.headers.get('x-rate-limit-limit') ?? '', /^\d+$/);
      assert.match(page.headers.get('x-rate-limit-reset') ?? '', /^\d{10}$/);
      const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '');
      url = next?.[1] ? new URL(next[1]).pathname + new URL(next[1]).search : undefined;
    }
    assert.equal(logins.length, 5, 'two seeded users and three new ones');
    assert.equal(pages, 3);
    assert.equal(new Set(logins).size, 5);
  });

  it('answers 429 E0000047 with X-Rate-Limit-Reset during an injected burst, then recovers', async () => {
    await fetch(`${okta.url}/sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimit: { next: 2, resetSeconds: 2 } }),
    });
    const first = await api(okta, 'GET', '/api/v1/groups');
    assert.equal(first.status, 429);
    assert.equal(first.body.errorCode, 'E0000047');
    assert.equal(first.headers.get('x-rate-limit-remaining'), '0');
    const reset = Number(first.headers.get('x-rate-limit-reset'));
    assert.ok(reset * 1000 > Date.now(), 'the reset is in the future');
    assert.equal((await api(okta, 'GET', '/api/v1/groups')).status, 429);
    assert.equal((await api(okta, 'GET', '/api/v1/groups')).status, 200);
  });

  it('validates inline hooks as Okta does and never returns the secret', async () => {
    const plainHttp = await api(okta, 'POST', '/api/v1/inlineHooks', httpHook('http://hooks.example.com/x'));
    assert.equal(plainHttp.status, 400);
    assert.equal(plainHttp.body.errorCode, 'E0000001');
    assert.match(JSON.stringify(plainHttp.body.errorCauses), /https/);
    const long = await api(
      okta,
      'POST',
      '/api/v1/inlineHooks',
      httpHook(`https://h.example.com/${'x'.repeat(1100)}`),
    );
    assert.equal(long.status, 400);
    const noAuth = httpHook('https://h.example.com/x');
    (noAuth.channel.config as Record<string, unknown>).authScheme = null;
    assert.equal((await api(okta, 'POST', '/api/v1/inlineHooks', noAuth)).status, 400);
    const badType = await api(
      okta,
      'POST',
      '/api/v1/inlineHooks',
      httpHook('https://h.example.com/x', { type: 'com.okta.nope' }),
    );
    assert.equal(badType.status, 400);
    const malformed = await fetch(`${okta.url}/api/v1/inlineHooks`, {
      method: 'POST',
      headers: { authorization: okta.authorization, 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(((await malformed.json()) as { errorCode: string }).errorCode, 'E0000003');

    const created = await api(
      okta,
      'POST',
      '/api/v1/inlineHooks',
      httpHook('https://hooks.example.com/okta'),
    );
    assert.equal(created.status, 200);
    assert.equal(created.body.status, 'ACTIVE');
    assert.deepEqual(created.body.channel.config.authScheme, { type: 'HEADER', key: 'Authorization' });
    assert.doesNotMatch(JSON.stringify(created.body), /c2VjcmV0/);
    const loopback = await api(
      okta,
      'POST',
      '/api/v1/inlineHooks',
      httpHook('http://127.0.0.1:9/x', { name: 'second' }),
    );
    assert.equal(loopback.status, 400, 'a second active telephony hook is refused');
    assert.match(loopback.body.errorCauses[0].errorSummary, /Only one telephony inline hook can be active/);

    const del = await api(okta, 'DELETE', `/api/v1/inlineHooks/${created.body.id}`);
    assert.equal(del.status, 400, 'DELETE only when INACTIVE');
    assert.equal(
      (await api(okta, 'POST', `/api/v1/inlineHooks/${created.body.id}/lifecycle/deactivate`)).body.status,
      'INACTIVE',
    );
    assert.equal(
      (await api(okta, 'POST', '/api/v1/inlineHooks', httpHook('http://127.0.0.1:9/x', { name: 'second' })))
        .status,
      200,
    );
    assert.equal(
      (await api(okta, 'POST', `/api/v1/inlineHooks/${created.body.id}/lifecycle/activate`)).status,
      400,
    );
    assert.equal((await api(okta, 'DELETE', `/api/v1/inlineHooks/${created.body.id}`)).status, 204);
    assert.equal(
      (await api(okta, 'GET', `/api/v1/inlineHooks/${created.body.id}`)).body.errorCode,
      'E0000007',
    );
  });

  it('OAuth channels: a client secret or an existing hook key, neither returned; the public key wrapped in _embedded', async () => {
    const oauth = (config: Record<string, unknown>) => ({
      name: 'oauth hook',
      type: 'com.okta.oauth2.tokens.transform',
      version: '1.0.0',
      channel: {
        type: 'OAUTH',
        version: '1.0.0',
        config: {
          uri: 'https://h.example.com/t',
          method: 'POST',
          tokenUrl: 'https://h.example.com/token',
          clientId: 'c1',
          ...config,
        },
      },
    });
    assert.equal(
      (await api(okta, 'POST', '/api/v1/inlineHooks', oauth({ authType: 'client_secret_post' }))).status,
      400,
    );
    assert.equal(
      (
        await api(
          okta,
          'POST',
          '/api/v1/inlineHooks',
          oauth({ authType: 'private_key_jwt', hookKeyId: 'HKYnone' }),
        )
      ).status,
      400,
    );
    const csp = await api(
      okta,
      'POST',
      '/api/v1/inlineHooks',
      oauth({ authType: 'client_secret_post', clientSecret: 'very-secret-value' }),
    );
    assert.equal(csp.status, 200);
    assert.doesNotMatch(JSON.stringify(csp.body), /very-secret-value/);
    const key = await api(okta, 'POST', '/api/v1/hook-keys', { name: 'k1' });
    assert.equal(key.body._embedded.kty, 'RSA');
    assert.equal(key.body._embedded.alg, 'RSA');
    assert.equal(key.body._embedded.kid, key.body.keyId);
    assert.equal(
      (await api(okta, 'POST', '/api/v1/hook-keys', { name: 'k1' })).status,
      400,
      'names are unique',
    );
    const pub = await api(okta, 'GET', `/api/v1/hook-keys/public/${key.body.keyId}`);
    assert.equal(pub.body._embedded.n, key.body._embedded.n);
    assert.equal(key.body._embedded.use, 'null', "create's example: the string");
    assert.equal(pub.body._embedded.use, null, "the public-key endpoint's example: JSON null");
    const pkj = await api(
      okta,
      'POST',
      '/api/v1/inlineHooks',
      oauth({ authType: 'private_key_jwt', hookKeyId: key.body.id, name: 'x' }),
    );
    assert.equal(pkj.status, 200);
    assert.equal(
      (await api(okta, 'DELETE', `/api/v1/hook-keys/${key.body.id}`)).status,
      400,
      'a key in use stays',
    );
  });

  it('policies: phone cannot be required while its authenticator is inactive; priority 1 shifts the others', async () => {
    const enroll = {
      type: 'MFA_ENROLL',
      name: 'phone',
      priority: 1,
      conditions: { people: { groups: { include: [] } } },
      settings: {
        type: 'AUTHENTICATORS',
        authenticators: [{ key: 'phone_number', enroll: { self: 'REQUIRED' } }],
      },
    };
    const refused = await api(okta, 'POST', '/api/v1/policies', enroll);
    assert.equal(refused.status, 400);
    assert.match(refused.body.errorCauses[0].errorSummary, /phone_number is not active/);
    const phone = (await api(okta, 'GET', '/api/v1/authenticators')).body.find(
      (a: { key: string }) => a.key === 'phone_number',
    );
    await api(okta, 'POST', `/api/v1/authenticators/${phone.id}/lifecycle/activate`);
    const created = await api(okta, 'POST', '/api/v1/policies', enroll);
    assert.equal(created.status, 200);
    const list = (await api(okta, 'GET', '/api/v1/policies?type=MFA_ENROLL')).body;
    assert.deepEqual(
      list.map((p: { name: string; priority: number }) => [p.name, p.priority]),
      [
        ['phone', 1],
        ['Default Policy', 2],
      ],
    );
    assert.equal((await api(okta, 'GET', '/api/v1/policies')).status, 400, 'type is required');
    const access =
      list &&
      (await api(okta, 'GET', '/api/v1/policies?type=ACCESS_POLICY')).body.find(
        (p: { system: boolean }) => p.system,
      );
    const rule = (name: string, priority?: number) => ({
      type: 'ACCESS_POLICY',
      name,
      ...(priority ? { priority } : {}),
      actions: {
        appSignOn: {
          access: 'ALLOW',
          verificationMethod: {
            type: 'ASSURANCE',
            factorMode: '2FA',
            reauthenticateIn: 'PT0S',
            constraints: [],
          },
        },
      },
    });
    await api(okta, 'POST', `/api/v1/policies/${access.id}/rules`, rule('first'));
    await api(okta, 'POST', `/api/v1/policies/${access.id}/rules`, rule('top', 1));
    const rules = (await api(okta, 'GET', `/api/v1/policies/${access.id}/rules?limit=10`)).body;
    assert.deepEqual(
      rules.map((r: { name: string; priority: number }) => [r.name, r.priority]),
      [
        ['top', 1],
        ['first', 2],
        ['Catch-all Rule', 99],
      ],
    );
    const catchAll = rules.find((r: { system: boolean }) => r.system);
    assert.equal(
      (await api(okta, 'DELETE', `/api/v1/policies/${access.id}/rules/${catchAll.id}`)).status,
      400,
    );
  });

  it('a service app gets a token with a private_key_jwt assertion (once) and only its scopes', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    okta.sim.auth.registerServiceApp({
      clientId: '0oaservice',
      keys: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      scopes: ['okta.groups.read'],
    });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('0oaservice')
      .setSubject('0oaservice')
      .setAudience(`${okta.url}/oauth2/v1/token`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(privateKey);
    const tokenRequest = (scope: string) =>
      fetch(`${okta.url}/oauth2/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      });
    const denied = await tokenRequest('okta.groups.manage');
    assert.equal(denied.status, 400);
    assert.equal(((await denied.json()) as { error: string }).error, 'invalid_scope');
    const granted = await tokenRequest('okta.groups.read');
    assert.equal(granted.status, 401, 'the refused request already used the assertion: single use');
    const fresh = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('0oaservice')
      .setSubject('0oaservice')
      .setAudience(`${okta.url}/oauth2/v1/token`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(privateKey);
    const ok = await fetch(`${okta.url}/oauth2/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'okta.groups.read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: fresh,
      }),
    });
    const token = ((await ok.json()) as { access_token: string }).access_token;
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await api(okta, 'GET', '/api/v1/groups', undefined, bearer)).status, 200);
    const write = await api(okta, 'POST', '/api/v1/groups', { profile: { name: 'nope' } }, bearer);
    assert.equal(write.status, 403);
    assert.equal(write.body.errorCode, 'E0000006');
    assert.equal((await api(okta, 'GET', '/api/v1/inlineHooks', undefined, bearer)).status, 403);
  });
});
