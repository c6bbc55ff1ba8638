import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import {
  api,
  type HookReceiver,
  startHookReceiver,
  startTestOktaSim,
  type TestOktaSim,
} from '../testing/harness.ts';

/** The guide's objects, made directly through the API (the command's own tests drive it through setup). */
async function guide(
  okta: TestOktaSim,
  channel: Record<string, unknown>,
): Promise<{ hookId: string; groupId: string }> {
  const hook = await api(okta, 'POST', '/api/v1/inlineHooks', {
    name: 'byot',
    type: 'com.okta.telephony.provider',
    version: '1.0.0',
    channel,
  });
  assert.equal(hook.status, 200, JSON.stringify(hook.body));
  const phone = (await api(okta, 'GET', '/api/v1/authenticators')).body.find(
    (a: { key: string }) => a.key === 'phone_number',
  );
  await api(okta, 'PUT', `/api/v1/authenticators/${phone.id}`, {
    key: 'phone_number',
    name: 'Phone',
    settings: { allowedFor: 'any' },
  });
  await api(okta, 'POST', `/api/v1/authenticators/${phone.id}/methods/sms/lifecycle/activate`);
  await api(okta, 'POST', `/api/v1/authenticators/${phone.id}/methods/voice/lifecycle/activate`);
  await api(okta, 'POST', `/api/v1/authenticators/${phone.id}/lifecycle/activate`);
  const group = await api(okta, 'POST', '/api/v1/groups', { profile: { name: 'phone users' } });
  const user = await api(okta, 'POST', '/api/v1/users?activate=true', {
    profile: {
      login: 'test.user@example.com',
      email: 'test.user@example.com',
      firstName: 'Test',
      lastName: 'User',
    },
  });
  await api(okta, 'PUT', `/api/v1/groups/${group.body.id}/users/${user.body.id}`);
  const policy = await api(okta, 'POST', '/api/v1/policies', {
    type: 'MFA_ENROLL',
    name: 'phone',
    priority: 1,
    conditions: { people: { groups: { include: [group.body.id] } } },
    settings: {
      type: 'AUTHENTICATORS',
      authenticators: [{ key: 'phone_number', enroll: { self: 'REQUIRED' } }],
    },
  });
  await api(okta, 'POST', `/api/v1/policies/${policy.body.id}/rules`, {
    type: 'MFA_ENROLL',
    name: 'rule',
    conditions: { network: { connection: 'ANYWHERE' } },
    actions: { enroll: { self: 'CHALLENGE' } },
  });
  return { hookId: hook.body.id, groupId: group.body.id };
}

const header = (uri: string) => ({
  type: 'HTTP',
  version: '1.0.0',
  config: {
    uri,
    method: 'POST',
    headers: [{ key: 'X-Extra', value: 'kept' }],
    authScheme: { type: 'HEADER', key: 'Authorization', value: 'Basic dGVzdDpzZWNyZXQ=' },
  },
});

async function sandbox(
  okta: TestOktaSim,
  path: string,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${okta.url}/sandbox/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

function otpOf(receiver: HookReceiver): string {
  const call = receiver.received.filter((r) => r.path === '/hook').at(-1);
  assert.ok(call, 'the hook was called');
  return (call.json as { data: { messageProfile: { otpCode: string } } }).data.messageProfile.otpCode;
}

describe('okta-sim at sign-in: calling the telephony hook as Okta does', () => {
  let receiver: HookReceiver;
  let okta: TestOktaSim;
  let now = Date.now();
  before(async () => {
    receiver = await startHookReceiver();
  });
  beforeEach(async () => {
    now = Date.now();
    receiver.received.length = 0;
    okta = await startTestOktaSim({ resendIntervalMs: 30_000, hookTimeoutMs: 600, now: () => now });
  });
  afterEach(() => okta.close());
  after(() => receiver.close());

  it('enrolls a phone: the header secret and custom headers go out, the right code verifies and enrolls', async () => {
    await guide(okta, header(receiver.hookUrl));
    const enrolled = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550123',
    });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    assert.equal(enrolled.body.challenge.sender.by, 'hook');
    assert.equal(enrolled.body.challenge.phoneMasked, '+1••••••••23');
    assert.doesNotMatch(JSON.stringify(enrolled.body), /4155550123/);
    const call = receiver.received.find((r) => r.path === '/hook');
    assert.ok(call);
    assert.equal(call.headers.authorization, 'Basic dGVzdDpzZWNyZXQ=');
    assert.equal(call.headers['x-extra'], 'kept');
    const payload = call.json as Record<string, any>;
    assert.equal(payload.requestType, 'com.okta.user.telephony.pre-enrollment');
    assert.equal(payload.eventType, 'com.okta.telephony.provider');
    assert.equal(payload.data.messageProfile.phoneNumber, '+14155550123');
    assert.equal(payload.data.messageProfile.deliveryChannel, 'SMS');
    assert.match(payload.source, /\/api\/v1\/inlineHooks\/cal/);
    assert.equal(Date.parse(payload.data.messageProfile.otpExpires) - Date.parse(payload.eventTime), 300_000);
    const id = enrolled.body.challenge.id;
    const wrong = await sandbox(okta, `challenges/${id}/verify`, {
      code: '000000' === otpOf(receiver) ? '111111' : '000000',
    });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.verified, false);
    const right = await sandbox(okta, `challenges/${id}/verify`, { code: otpOf(receiver) });
    assert.equal(right.body.verified, true);
    const users = (await (await fetch(`${okta.url}/sandbox/api/users`)).json()) as {
      login: string;
      phone: unknown;
    }[];
    assert.deepEqual(users.find((u: { login: string }) => u.login === 'test.user@example.com')?.phone, {
      phoneMasked: '+1••••••••23',
      method: 'sms',
    });
    assert.equal(
      (await sandbox(okta, `challenges/${id}/verify`, { code: otpOf(receiver) })).body.verified,
      false,
      'used once',
    );
  });

  it('OAuth client_secret_post: fetches a token from the token URL, then calls the hook with it', async () => {
    await guide(okta, {
      type: 'OAUTH',
      version: '1.0.0',
      config: {
        uri: receiver.hookUrl,
        method: 'POST',
        authType: 'client_secret_post',
        clientId: 'okta-hook',
        clientSecret: 'csp-secret',
        tokenUrl: receiver.tokenUrl,
        scope: 'byot.telephony',
      },
    });
    const result = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550124',
      channel: 'voice',
    });
    assert.equal(result.body.challenge.sender.by, 'hook');
    const [token, hook] = receiver.received;
    assert.equal(token?.path, '/token');
    assert.deepEqual(token?.form, {
      grant_type: 'client_credentials',
      scope: 'byot.telephony',
      client_id: 'okta-hook',
      client_secret: 'csp-secret',
    });
    assert.equal(hook?.headers.authorization, 'Bearer test-access-token');
    assert.ok(hook);
    assert.equal((hook.json as any).data.messageProfile.deliveryChannel, 'voice call');
    assert.equal(result.body.challenge.hookCall.auth, 'oauth client_secret_post');
    // A refused token request means no hook call at all: Okta sends the code itself.
    receiver.received.length = 0;
    receiver.token = () => ({ status: 401, body: { error: 'invalid_client' } });
    const refused = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550126',
    });
    receiver.token = () => ({
      status: 200,
      body: { access_token: 'test-access-token', token_type: 'Bearer', expires_in: 3600 },
    });
    assert.equal(refused.body.challenge.sender.by, 'okta');
    assert.match(refused.body.challenge.sender.reason, /token request failed \(HTTP 401 invalid_client\)/);
    assert.deepEqual(
      receiver.received.map((r) => r.path),
      ['/token'],
    );
  });

  it('OAuth private_key_jwt: the assertion is signed with the hook key whose public JWK Okta publishes', async () => {
    const key = await api(okta, 'POST', '/api/v1/hook-keys', { name: 'k' });
    await guide(okta, {
      type: 'OAUTH',
      version: '1.0.0',
      config: {
        uri: receiver.hookUrl,
        method: 'POST',
        authType: 'private_key_jwt',
        clientId: 'okta-hook',
        hookKeyId: key.body.id,
        tokenUrl: receiver.tokenUrl,
      },
    });
    await sandbox(okta, 'enroll', { login: 'test.user@example.com', phoneNumber: '+14155550125' });
    const form = receiver.received[0]?.form ?? {};
    assert.equal(form.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const published = (await api(okta, 'GET', `/api/v1/hook-keys/public/${key.body.keyId}`)).body._embedded;
    const { payload, protectedHeader } = await jwtVerify(
      form.client_assertion as string,
      createPublicKey({ key: { kty: 'RSA', n: published.n, e: published.e }, format: 'jwk' }),
      { issuer: 'okta-hook', subject: 'okta-hook', audience: receiver.tokenUrl },
    );
    assert.equal(protectedHeader.kid, key.body.keyId);
    assert.ok(payload.jti);
  });

  it("falls back to Okta's own provider on a non-200, an error object, a timeout or a token failure, and records it", async () => {
    await guide(okta, header(receiver.hookUrl));
    const cases: [HookReceiver['answer'], RegExp][] = [
      [() => ({ status: 503, body: {} }), /http-status: HTTP 503/],
      [
        () => ({ status: 200, body: { error: { errorSummary: 'number refused' } } }),
        /error-object: number refused/,
      ],
      [
        () => ({
          status: 200,
          body: { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'DONE' }] }] },
        }),
        /malformed/,
      ],
      [() => ({ status: 200, body: {}, delayMs: 2_000 }), /timeout: no answer within 3 s/],
    ];
    for (const [index, [answer, reason]] of cases.entries()) {
      receiver.answer = answer;
      const phone = `+1415555013${index}`;
      const result = await sandbox(okta, 'enroll', { login: 'test.user@example.com', phoneNumber: phone });
      assert.equal(result.body.challenge.sender.by, 'okta');
      assert.match(result.body.challenge.sender.reason, reason);
    }
    const own = (await (await fetch(`${okta.url}/sandbox/api/okta-deliveries`)).json()) as unknown[];
    assert.equal(own.length, 4, "each fallback is one code sent by Okta's own provider");
    receiver.answer = startHookReceiverDefault;
  });

  it('Okta limits one challenge per number per 30 s; resend after that sends a new code', async () => {
    await guide(okta, header(receiver.hookUrl));
    const first = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550140',
    });
    const firstCode = otpOf(receiver);
    const again = await sandbox(okta, `challenges/${first.body.challenge.id}/resend`, {});
    assert.equal(again.status, 429);
    assert.equal(again.body.errorCode, 'E0000109');
    now += 31_000;
    const resent = await sandbox(okta, `challenges/${first.body.challenge.id}/resend`, {});
    assert.equal(resent.status, 200);
    assert.equal(resent.body.sends, 2);
    assert.notEqual(resent.body.eventId, first.body.challenge.eventId);
    const secondCode = otpOf(receiver);
    if (secondCode !== firstCode) {
      assert.equal(
        (await sandbox(okta, `challenges/${first.body.challenge.id}/verify`, { code: firstCode })).body
          .verified,
        false,
      );
    }
    assert.equal(
      (await sandbox(okta, `challenges/${first.body.challenge.id}/verify`, { code: secondCode })).body
        .verified,
      true,
    );
  });

  it('refuses expired codes and locks after five wrong ones', async () => {
    await guide(okta, header(receiver.hookUrl));
    const a = await sandbox(okta, 'enroll', { login: 'test.user@example.com', phoneNumber: '+14155550150' });
    now += 5 * 60_000 + 1;
    const expired = await sandbox(okta, `challenges/${a.body.challenge.id}/verify`, {
      code: otpOf(receiver),
    });
    assert.equal(expired.body.verified, false);
    assert.equal(expired.body.challenge.state, 'expired');
    const b = await sandbox(okta, 'enroll', { login: 'test.user@example.com', phoneNumber: '+14155550151' });
    const wrong = otpOf(receiver) === '999999' ? '999998' : '999999';
    for (let i = 0; i < 5; i += 1)
      await sandbox(okta, `challenges/${b.body.challenge.id}/verify`, { code: wrong });
    const locked = await sandbox(okta, `challenges/${b.body.challenge.id}/verify`, { code: otpOf(receiver) });
    assert.equal(locked.body.challenge.state, 'locked');
  });

  it('follows the policies: no enrollment outside the group; sign-in asks for the phone only when a rule does', async () => {
    await guide(okta, header(receiver.hookUrl));
    const outsider = await sandbox(okta, 'enroll', {
      login: 'operator@example.com',
      phoneNumber: '+14155550160',
    });
    assert.equal(outsider.status, 403);
    assert.match(outsider.body.errorSummary, /Default Policy/);
    const e = await sandbox(okta, 'enroll', { login: 'test.user@example.com', phoneNumber: '+14155550161' });
    await sandbox(okta, `challenges/${e.body.challenge.id}/verify`, { code: otpOf(receiver) });
    const passwordOnly = await sandbox(okta, 'sign-in', { login: 'test.user@example.com' });
    assert.equal(passwordOnly.body.challenge, null, 'the catch-all rule asks for no phone');
    const groupId = (await api(okta, 'GET', '/api/v1/groups?q=phone')).body[0].id;
    const access = (await api(okta, 'GET', '/api/v1/policies?type=ACCESS_POLICY')).body.find(
      (p: { system: boolean }) => p.system,
    );
    await api(okta, 'POST', `/api/v1/policies/${access.id}/rules`, {
      type: 'ACCESS_POLICY',
      name: 'password + phone',
      priority: 1,
      conditions: { people: { groups: { include: [groupId] } } },
      actions: {
        appSignOn: {
          access: 'ALLOW',
          verificationMethod: {
            type: 'ASSURANCE',
            factorMode: '2FA',
            reauthenticateIn: 'PT0S',
            constraints: [
              { possession: { authenticationMethods: [{ key: 'phone_number', method: 'sms' }] } },
            ],
          },
        },
      },
    });
    now += 31_000;
    const mfa = await sandbox(okta, 'sign-in', { login: 'test.user@example.com' });
    assert.equal(mfa.body.challenge.requestType, 'com.okta.user.telephony.mfa-verification');
    assert.equal(
      (await sandbox(okta, `challenges/${mfa.body.challenge.id}/verify`, { code: otpOf(receiver) })).body
        .verified,
      true,
    );
    now += 31_000;
    const reset = await sandbox(okta, 'recover', { login: 'test.user@example.com', flow: 'password-reset' });
    assert.equal(reset.body.challenge.requestType, 'com.okta.user.telephony.password-reset');
  });

  it("network zones: the guide's geofencing lets enrollment happen only from inside the zone", async () => {
    await guide(okta, header(receiver.hookUrl));
    const zone = await api(okta, 'POST', '/api/v1/zones', {
      type: 'DYNAMIC',
      name: 'US',
      locations: [{ country: 'US' }],
    });
    const office = await api(okta, 'POST', '/api/v1/zones', {
      type: 'IP',
      name: 'office',
      gateways: [{ type: 'CIDR', value: '10.20.0.0/16' }],
    });
    const policy = (await api(okta, 'GET', '/api/v1/policies?type=MFA_ENROLL')).body.find(
      (p: { name: string }) => p.name === 'phone',
    );
    const rule = (await api(okta, 'GET', `/api/v1/policies/${policy.id}/rules`)).body[0];
    const network = (include: string[]) =>
      api(okta, 'PUT', `/api/v1/policies/${policy.id}/rules/${rule.id}`, {
        type: 'MFA_ENROLL',
        name: 'rule',
        conditions: { network: { connection: 'ZONE', include } },
        actions: { enroll: { self: 'CHALLENGE' } },
      });
    assert.equal((await network([zone.body.id])).status, 200);
    const abroad = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550180',
      country: 'FR',
    });
    assert.equal(abroad.status, 403, 'outside the zone the default policy applies: no phone');
    const home = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550181',
      country: 'US',
    });
    assert.equal(home.status, 200, JSON.stringify(home.body));
    assert.match(home.body.notes[0], /enrollment policy "phone", rule "rule": phone required/);
    assert.equal((await network([office.body.id])).status, 200);
    const inOffice = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550182',
      ipAddress: '10.20.3.4',
    });
    assert.equal(inOffice.status, 200);
    const last = receiver.received.at(-1);
    assert.ok(last, 'the hook was called');
    assert.equal((last.json as any).data.context.request.ipAddress, '10.20.3.4');
    const elsewhere = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550183',
      ipAddress: '10.21.0.1',
    });
    assert.equal(elsewhere.status, 403);
    assert.equal(
      (await api(okta, 'DELETE', `/api/v1/zones/${office.body.id}`)).status,
      400,
      'a zone in use stays',
    );
  });

  it('execute returns the answer, retries once on a failure, and answers 400 when both fail', async () => {
    const { hookId } = await guide(okta, header(receiver.hookUrl));
    const payload = {
      eventId: 'executeEvent1',
      requestType: 'com.okta.user.telephony.mfa-verification',
      data: {},
    };
    const ok = await api(okta, 'POST', `/api/v1/inlineHooks/${hookId}/execute`, payload);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.commands[0].value[0].status, 'SUCCESSFUL');
    receiver.received.length = 0;
    receiver.answer = () => ({ status: 500, body: {} });
    const failed = await api(okta, 'POST', `/api/v1/inlineHooks/${hookId}/execute`, payload);
    assert.equal(failed.status, 400);
    assert.equal(failed.body.errorCode, 'E0000001');
    assert.equal(receiver.received.length, 2, 'one retry, with the same eventId');
    receiver.answer = startHookReceiverDefault;
  });

  it('a custom telephony provider takes the sends; a second active hook is skipped in "skip" mode', async () => {
    await okta.close();
    okta = await startTestOktaSim({ secondTelephonyHook: 'skip', now: () => now });
    await guide(okta, header(receiver.hookUrl));
    const second = await api(okta, 'POST', '/api/v1/inlineHooks', {
      name: 'other',
      type: 'com.okta.telephony.provider',
      version: '1.0.0',
      channel: header('http://127.0.0.1:9/other'),
    });
    assert.equal(second.status, 200);
    const sent = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550170',
    });
    assert.equal(sent.body.challenge.sender.hookName, 'byot', 'the first active hook is called');
    for (const hook of (await api(okta, 'GET', '/api/v1/inlineHooks')).body) {
      await api(okta, 'POST', `/api/v1/inlineHooks/${hook.id}/lifecycle/deactivate`);
    }
    const provider = await api(okta, 'POST', '/api/v1/telephony-providers', {
      providerName: 'TWILIO',
      providerSid: 'AC1',
      providerAuthToken: 'tok',
    });
    assert.equal(provider.status, 200);
    assert.equal(provider.body.providerAuthToken, undefined);
    now += 31_000;
    const native = await sandbox(okta, 'enroll', {
      login: 'test.user@example.com',
      phoneNumber: '+14155550171',
    });
    assert.deepEqual(native.body.challenge.sender, { by: 'custom-provider', provider: 'TWILIO' });
  });
});

const startHookReceiverDefault: HookReceiver['answer'] = () => ({
  status: 200,
  body: {
    commands: [
      {
        type: 'com.okta.telephony.action',
        value: [{ status: 'SUCCESSFUL', provider: 'TESTPROVIDER', transactionId: 'SM1' }],
      },
    ],
  },
});
