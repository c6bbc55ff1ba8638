import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  basicAuth,
  obj,
  postForm,
  request,
  startTestSimulator,
  type TestSimulator,
} from '../testing/harness.ts';

describe('inbox page (GET /)', () => {
  let t: TestSimulator;

  before(async () => {
    t = await startTestSimulator();
  });
  after(() => t.close());

  it('shows delivered messages and calls, escaped, with a 2 s refresh and a script-free CSP', async () => {
    const auth = { authorization: t.authorization };
    await postForm(
      `${t.accountUrl}/Messages.json`,
      { To: '+15551234567', From: '+15557654321', Body: 'Code 482913 <script>alert("x")</script> & more' },
      auth,
    );
    await postForm(
      `${t.accountUrl}/Calls.json`,
      {
        To: '+15559876543',
        From: '+15557654321',
        Twiml: '<Response><Say language="es-MX">Su código es &lt;b&gt; 7 7 1</Say></Response>',
      },
      auth,
    );
    await postForm(
      `${t.accountUrl}/Messages.json`,
      { To: '+15005550004', From: '+15557654321', Body: 'x' },
      auth,
    );

    const res = await request(`${t.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
    const html = String(res.body);
    assert.match(html, /<meta http-equiv="refresh" content="2">/);
    assert.ok(!html.includes('<script>'), 'no client-supplied markup survives');
    assert.ok(html.includes('Code 482913 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more'));
    assert.ok(html.includes('Su código es &lt;b&gt; 7 7 1'));
    assert.ok(html.includes('es-MX'));
    assert.ok(html.includes('+15559876543'));
    assert.match(html, /21610/, 'refused requests are listed with their code');
    // Newest first, like a phone.
    assert.ok(html.indexOf('+15559876543') < html.indexOf('+15551234567'));
  });

  it('shows Vonage messages with their provider and a warning for garbled text', async () => {
    await request(`${t.url}/sms/json`, {
      method: 'POST',
      headers: { authorization: basicAuth(t.sim.vonage.apiKey, t.sim.vonage.apiSecret) },
      json: { from: 'ACME', to: '4915112345678', text: 'Ваш код 482913' },
    });
    const html = String((await request(`${t.url}/`)).body);
    assert.match(html, /<td>vonage<\/td>\n<td>[^<]+<\/td>\n<td>sms<\/td>\n<td>4915112345678<\/td>/);
    assert.match(html, /⚠ text contains characters outside the GSM-7 alphabet/);
  });

  it('lists status callbacks with their outcome, without query strings', async () => {
    t.sim.callbackSettings.set('twilio', {
      mixes: { sms: { weights: { failed: 1 } } },
      delayMs: 1,
      duplicateRate: 0,
      outOfOrderRate: 0,
    });
    await postForm(
      `${t.accountUrl}/Messages.json`,
      {
        To: '+15551234567',
        From: '+15557654321',
        Body: 'x',
        StatusCallback: 'https://hooks.example.com/status?token=secret-token',
      },
      { authorization: t.authorization },
    );
    await t.sim.callbacks.idle();
    const html = String((await request(`${t.url}/`)).body);
    assert.match(html, /<td>failed \(30008\)<\/td>/);
    assert.match(html, /POST https:\/\/hooks\.example\.com\/status<\/td>\n<td>skipped<\/td>/);
    assert.ok(!html.includes('secret-token'));
    t.sim.callbackSettings.reset('twilio');
  });

  it('shows a banner while faults are injected', async () => {
    t.sim.faults.set('twilio', { errorRate: 0.5 });
    assert.match(
      String((await request(`${t.url}/`)).body),
      /Faults injected — twilio: \{&quot;errorRate&quot;:0.5\}/,
    );
    t.sim.faults.clearAll();
  });

  it('answers /healthz', async () => {
    const res = await request(`${t.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(obj(res.body).status, 'ok');
  });
});
