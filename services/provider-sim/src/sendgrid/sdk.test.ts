import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Client } from '@sendgrid/client';
import sgMail, { MailService } from '@sendgrid/mail';
import { startTestSimulator, type TestSimulator } from '../testing/harness.ts';

/**
 * @sendgrid/mail has no base-URL option in its API, but its client has: after setApiKey (which resets the base
 * URL to SendGrid's), set the client's default baseUrl to the simulator's URL. The typings do not declare the
 * `client` property of MailService, hence the cast.
 */
function pointAt(mail: MailService, apiKey: string, baseUrl: string): MailService {
  mail.setApiKey(apiKey);
  (mail as unknown as { client: Client }).client.setDefaultRequest('baseUrl', baseUrl);
  return mail;
}

const MESSAGE = {
  to: 'person@example.com',
  from: { email: 'no-reply@byot.example', name: 'Sign-in' },
  subject: 'Your sign-in code',
  text: 'Your code is 482913',
  html: '<p>Your code is <b>482913</b></p>',
};

describe('the official @sendgrid/mail against the simulator', () => {
  let t: TestSimulator;

  before(async () => {
    t = await startTestSimulator();
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
  });

  it('send() delivers through the default instance, configured as documented', async () => {
    const [response] = await pointAt(sgMail, t.sim.sendgrid.apiKey, t.url).send(MESSAGE);
    assert.equal(response.statusCode, 202);
    const id = String(response.headers['x-message-id']);
    const record = t.sim.store.findBySid(id);
    assert.equal(record?.to, 'person@example.com');
    assert.equal(record?.from, 'no-reply@byot.example');
    assert.equal(record?.subject, 'Your sign-in code');
    assert.equal(record?.body, 'Your code is 482913');
    assert.equal(record?.html, '<p>Your code is <b>482913</b></p>');
  });

  it('send() rejects with a ResponseError carrying SendGrid errors', async () => {
    const mail = pointAt(new MailService(), 'SG.wrong.key', t.url);
    await assert.rejects(mail.send(MESSAGE), (error: unknown) => {
      const { code, response } = error as { code: number; response: { body: { errors: unknown[] } } };
      assert.equal(code, 401);
      assert.equal(response.body.errors.length, 1);
      return true;
    });
    const good = pointAt(new MailService(), t.sim.sendgrid.apiKey, t.url);
    await assert.rejects(good.send({ ...MESSAGE, to: 'nobody' }), (error: unknown) => {
      assert.equal((error as { code: number }).code, 400);
      return true;
    });
    t.sim.faults.set('sendgrid', { errorRate: 1, errorStatus: 500 });
    await assert.rejects(good.send(MESSAGE), (error: unknown) => (error as { code: number }).code === 500);
    assert.equal(t.sim.store.query().length, 0);
  });
});
