import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { obj, request, startTestSimulator, type TestSimulator } from '../testing/harness.ts';

const MAIL = {
  personalizations: [{ to: [{ email: 'Person@Example.com' }] }],
  from: { email: 'no-reply@byot.example' },
  subject: 'Your sign-in code',
  content: [{ type: 'text/plain', value: 'Your code is 482913' }],
};

describe('SendGrid mail/send over HTTP', () => {
  let t: TestSimulator;
  let auth: Record<string, string>;

  before(async () => {
    t = await startTestSimulator();
    auth = { authorization: `Bearer ${t.sim.sendgrid.apiKey}` };
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
  });

  it('answers 202 with an empty body and X-Message-Id, and records the e-mail', async () => {
    const res = await request(`${t.url}/v3/mail/send`, { method: 'POST', headers: auth, json: MAIL });
    assert.equal(res.status, 202);
    assert.equal(res.body, '');
    const id = res.headers.get('x-message-id') ?? '';
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    const record = t.sim.store.findBySid(id);
    assert.equal(record?.provider, 'sendgrid');
    assert.equal(record?.channel, 'email');
    assert.equal(record?.to, 'Person@Example.com');
    assert.equal(record?.subject, 'Your sign-in code');
    assert.equal(record?.body, 'Your code is 482913');
    assert.equal(record?.accountSid, 'sandbox', 'the key id, never the key');

    const listed = await request(`${t.url}/sim/messages?channel=email&to=person@example.com`);
    assert.equal((obj(listed.body).messages as unknown[]).length, 1);
    const page = String((await request(`${t.url}/`)).body);
    assert.ok(page.includes('Subject: Your sign-in code'));
    assert.ok(page.includes('Your code is 482913'));
  });

  it('answers 401 for a missing or wrong key and 400 with field errors for a bad body', async () => {
    let res = await request(`${t.url}/v3/mail/send`, { method: 'POST', json: MAIL });
    assert.equal(res.status, 401);
    assert.match(
      String((obj(res.body).errors as { message: string }[])[0]?.message),
      /authorization grant is invalid/,
    );
    res = await request(`${t.url}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: 'Bearer SG.x.y' },
      json: MAIL,
    });
    assert.equal(res.status, 401);

    res = await request(`${t.url}/v3/mail/send`, {
      method: 'POST',
      headers: auth,
      json: { ...MAIL, personalizations: [{ to: [{ email: 'not-an-address' }] }] },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(obj(res.body).errors, [
      {
        message: 'Does not contain a valid address.',
        field: 'personalizations.0.to.0.email',
        help: 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations',
      },
    ]);

    const broken = await fetch(`${t.url}/v3/mail/send`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(broken.status, 400);
    assert.equal(t.sim.store.query().length, 0);
    assert.equal(t.sim.store.query({ outcome: 'rejected', channel: 'email' }).length, 3);
  });

  it('plays faults: 429 with rate-limit headers, injected errors, invalid address', async () => {
    t.sim.faults.set('sendgrid', { throttleRate: 1, retryAfterSeconds: 4 });
    let res = await request(`${t.url}/v3/mail/send`, { method: 'POST', headers: auth, json: MAIL });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '4');
    assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
    assert.match(res.headers.get('x-ratelimit-reset') ?? '', /^\d+$/);
    t.sim.faults.set('sendgrid', { errorRate: 1, errorStatus: 503 });
    res = await request(`${t.url}/v3/mail/send`, { method: 'POST', headers: auth, json: MAIL });
    assert.equal(res.status, 503);
    t.sim.faults.set('sendgrid', { invalidNumberRate: 1 });
    res = await request(`${t.url}/v3/mail/send`, { method: 'POST', headers: auth, json: MAIL });
    assert.equal(res.status, 400);
    assert.equal(t.sim.store.query({ outcome: 'faulted' }).length, 3);
  });
});
