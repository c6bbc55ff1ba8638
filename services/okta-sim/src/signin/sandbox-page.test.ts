import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  api,
  type HookReceiver,
  startHookReceiver,
  startTestOktaSim,
  type TestOktaSim,
} from '../testing/harness.ts';

/** Posts a form as the page's buttons do; returns where the simulator sends the browser next. */
async function submit(okta: TestOktaSim, path: string, fields: Record<string, string>): Promise<URL> {
  const response = await fetch(`${okta.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
  assert.equal(response.status, 303, 'post, then redirect: a reload never resends a code');
  return new URL(response.headers.get('location') as string, okta.url);
}

describe('okta-sim sandbox page (forms, no script)', () => {
  let okta: TestOktaSim;
  let receiver: HookReceiver;
  before(async () => {
    receiver = await startHookReceiver();
    okta = await startTestOktaSim({ inboxUrl: 'http://127.0.0.1:4010/' });
    await api(okta, 'POST', '/api/v1/inlineHooks', {
      name: 'byot',
      type: 'com.okta.telephony.provider',
      version: '1.0.0',
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: { uri: receiver.hookUrl, authScheme: { type: 'HEADER', key: 'Authorization', value: 'x' } },
      },
    });
    const phone = okta.sim.org.authenticatorByKey('phone_number');
    assert.ok(phone);
    phone.status = 'ACTIVE';
    phone.settings = { allowedFor: 'any' };
    for (const method of phone.methods) method.status = 'ACTIVE';
    const enroll = okta.sim.org.policiesOf('MFA_ENROLL')[0];
    assert.ok(enroll?.settings);
    enroll.settings = {
      type: 'AUTHENTICATORS',
      authenticators: [{ key: 'phone_number', enroll: { self: 'REQUIRED' } }],
    };
  });
  after(async () => {
    await okta.close();
    await receiver.close();
  });

  it('enroll, see the code as sent by the hook, verify; errors come back on the page, escaped', async () => {
    const page = await fetch(`${okta.url}/sandbox`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.match(html, /operator@example\.com/);
    assert.match(html, /href="http:\/\/127\.0\.0\.1:4010\/"/);

    const next = await submit(okta, '/sandbox/enroll', {
      login: 'operator@example.com',
      phoneNumber: '+14155550199',
      channel: 'sms',
    });
    const challenge = next.searchParams.get('challenge');
    assert.ok(challenge, next.toString());
    const shown = await (await fetch(next)).text();
    assert.match(shown, /hook "byot"/);
    assert.match(shown, /\+1••••••••99/);
    assert.doesNotMatch(shown, /4155550199/, 'never the full number');
    const last = receiver.received.at(-1);
    assert.ok(last, 'the hook was called');
    const code = (last.json as { data: { messageProfile: { otpCode: string } } }).data.messageProfile.otpCode;
    assert.doesNotMatch(
      shown,
      new RegExp(`\\b${code}\\b`),
      'the code is not on the page (the hook delivered it)',
    );

    const refused = await submit(okta, `/sandbox/challenges/${challenge}/verify`, {
      code: code === '123456' ? '654321' : '123456',
    });
    assert.match(refused.searchParams.get('error') ?? '', /Refused: Invalid Passcode/);
    const verified = await submit(okta, `/sandbox/challenges/${challenge}/verify`, { code });
    assert.match(
      verified.searchParams.get('notice') ?? '',
      /Verified: operator@example\.com's enrollment is complete/,
    );

    const bad = await submit(okta, '/sandbox/enroll', {
      login: '<script>x</script>@example.com',
      phoneNumber: '+14155550198',
    });
    const errorPage = await (await fetch(bad)).text();
    assert.doesNotMatch(errorPage, /<script>x/);
    assert.match(errorPage, /Not found/);
  });
});
