import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import sgMail from '@sendgrid/mail';
import { Vonage } from '@vonage/server-sdk';
import type { ProviderName } from './providers.ts';
import {
  basicAuth,
  obj,
  postForm,
  request,
  startTestSimulator,
  type TestSimulator,
} from './testing/harness.ts';

const ALL_DEDICATED = { providerPorts: { twilio: 0, vonage: 0, sendgrid: 0 } };
const TWILIO_SMS = { To: '+15551234567', From: '+15557654321', Body: 'Your code is 482913' };
const VONAGE_SMS = { from: 'ACME', to: '15551234567', text: 'Your code is 482913' };

/** The error code under a fetch failure ("fetch failed" → cause ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…). */
async function networkError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as { code?: string }).code ?? String(error);
  }
  assert.fail('expected the request to fail at the network level');
}

async function setFaults(t: TestSimulator, provider: ProviderName, body: unknown): Promise<void> {
  const res = await request(`${t.url}/sim/faults/${provider}`, { method: 'PUT', json: body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

function twilioUrl(base: string, t: TestSimulator): string {
  return `${base}/2010-04-01/Accounts/${t.sim.twilio.accountSid}/Messages.json`;
}

describe('dedicated provider listeners and down', () => {
  let t: TestSimulator;

  before(async () => {
    t = await startTestSimulator({}, ALL_DEDICATED);
  });
  after(() => t.close());
  beforeEach(async () => {
    t.sim.faults.clearAll();
    await t.sim.faults.settled();
    t.sim.store.clear();
  });

  it("serves each provider's routes on its own port, and only those", async () => {
    const { twilio, vonage, sendgrid } = t.providerUrls;
    assert.ok(twilio && vonage && sendgrid);
    assert.equal(new Set([t.url, twilio, vonage, sendgrid]).size, 4);

    assert.equal(
      (await postForm(twilioUrl(twilio, t), TWILIO_SMS, { authorization: t.authorization })).status,
      201,
    );
    const sms = await request(`${vonage}/sms/json`, {
      method: 'POST',
      headers: { authorization: basicAuth(t.sim.vonage.apiKey, t.sim.vonage.apiSecret) },
      json: VONAGE_SMS,
    });
    assert.equal(obj((obj(sms.body).messages as unknown[])[0]).status, '0');
    assert.equal((await request(`${vonage}/healthz`)).status, 200);
    assert.equal((await request(`${vonage}/sim/messages`)).status, 404, 'no control API on a provider port');
    assert.equal(
      (await postForm(twilioUrl(vonage, t), TWILIO_SMS)).status,
      404,
      'no Twilio on the Vonage port',
    );
    assert.equal((await request(`${sendgrid}/`)).status, 404, 'no inbox on a provider port');
    assert.equal(t.sim.store.query().length, 2);
  });

  it('down refuses connections on the dedicated port and resets them on the shared one, until cleared', async () => {
    const vonage = t.providerUrls.vonage ?? '';
    const auth = { authorization: basicAuth(t.sim.vonage.apiKey, t.sim.vonage.apiSecret) };
    await setFaults(t, 'vonage', { down: true });

    assert.equal(await networkError(fetch(`${vonage}/healthz`)), 'ECONNREFUSED');
    const reset = await networkError(
      request(`${t.url}/sms/json`, { method: 'POST', headers: auth, json: VONAGE_SMS }),
    );
    assert.match(reset, /ECONNRESET|UND_ERR_SOCKET|other side closed/);
    const [recorded] = t.sim.store.query({ outcome: 'faulted' });
    assert.equal(recorded?.outcome !== 'accepted' && recorded?.fault, 'down');
    assert.equal(recorded?.channel, 'sms');

    // The other providers are unaffected, on their ports and the shared one; so is the control API.
    assert.equal(
      (
        await postForm(twilioUrl(t.providerUrls.twilio ?? '', t), TWILIO_SMS, {
          authorization: t.authorization,
        })
      ).status,
      201,
    );
    assert.equal(
      (await postForm(twilioUrl(t.url, t), TWILIO_SMS, { authorization: t.authorization })).status,
      201,
    );
    assert.equal(obj((await request(`${t.url}/sim/faults/vonage`)).body).faults instanceof Object, true);

    const cleared = await request(`${t.url}/sim/faults/vonage`, { method: 'DELETE' });
    assert.equal(cleared.status, 200);
    assert.equal((await request(`${vonage}/healthz`)).status, 200, 'listening again on the same port');
    const sms = await request(`${vonage}/sms/json`, { method: 'POST', headers: auth, json: VONAGE_SMS });
    assert.equal(obj((obj(sms.body).messages as unknown[])[0]).status, '0');
  });

  it('down destroys connections already open, including held requests', async () => {
    const sendgrid = new URL(t.providerUrls.sendgrid ?? '');
    await setFaults(t, 'sendgrid', { hangRate: 1 });
    const body = JSON.stringify({
      personalizations: [{ to: [{ email: 'a@b.co' }] }],
      from: { email: 'c@d.co' },
      subject: 's',
      content: [{ type: 'text/plain', value: 'v' }],
    });
    const outcome = new Promise<string>((resolve) => {
      const req = httpRequest({
        host: sendgrid.hostname,
        port: sendgrid.port,
        path: '/v3/mail/send',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', () => resolve('answered'));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end(body);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await setFaults(t, 'sendgrid', { down: true });
    assert.equal(await outcome, 'ECONNRESET');
  });

  it('the SDKs see a refused connection', async () => {
    await setFaults(t, 'vonage', { down: true });
    await setFaults(t, 'sendgrid', { down: true });
    const vonage = new Vonage(
      {
        apiKey: t.sim.vonage.apiKey,
        apiSecret: t.sim.vonage.apiSecret,
        privateKey: t.vonagePrivateKey ?? '',
      },
      { restHost: t.providerUrls.vonage ?? '' },
    );
    assert.equal(
      await networkError(vonage.sms.send({ to: '15551234567', from: 'ACME', text: 'x' })),
      'ECONNREFUSED',
    );

    sgMail.setApiKey(t.sim.sendgrid.apiKey);
    (
      sgMail as unknown as { client: { setDefaultRequest(k: string, v: string): void } }
    ).client.setDefaultRequest('baseUrl', t.providerUrls.sendgrid ?? '');
    assert.equal(
      await networkError(sgMail.send({ to: 'a@b.co', from: 'c@d.co', subject: 's', text: 'v' })),
      'ECONNREFUSED',
    );
  });
});

describe('down at start (SIM_FAULTS)', () => {
  it('keeps the dedicated port closed from the start and opens it when cleared', async () => {
    const t = await startTestSimulator(
      { initialFaults: { twilio: { down: true } } },
      { providerPorts: { twilio: 0 } },
    );
    try {
      const twilio = t.providerUrls.twilio ?? '';
      assert.equal(await networkError(fetch(`${twilio}/healthz`)), 'ECONNREFUSED');
      t.sim.faults.clear('twilio');
      await t.sim.faults.settled();
      assert.equal(
        (await postForm(twilioUrl(twilio, t), TWILIO_SMS, { authorization: t.authorization })).status,
        201,
      );
    } finally {
      await t.close();
    }
  });
});
