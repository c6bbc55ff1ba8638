import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { obj, postForm, request, startTestSimulator, type TestSimulator } from '../testing/harness.ts';

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
