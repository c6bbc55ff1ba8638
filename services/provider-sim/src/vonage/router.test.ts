import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createSimulator } from '../app.ts';
import { listenSimulator } from '../server.ts';
import {
  basicAuth,
  obj,
  postForm,
  request,
  startTestSimulator,
  type TestSimulator,
} from '../testing/harness.ts';

const SMS = { from: 'ACME', to: '15551234567', text: 'Your code is 482913' };
const CALL = {
  to: [{ type: 'phone', number: '15551234567' }],
  from: { type: 'phone', number: '15557654321' },
  ncco: [{ action: 'talk', text: 'Your code is 4 8 2 9 1 3', language: 'en-GB', loop: 2 }],
};

describe('Vonage APIs over HTTP', () => {
  let t: TestSimulator;
  let basic: string;
  let bearer: string;

  before(async () => {
    t = await startTestSimulator();
    basic = basicAuth(t.sim.vonage.apiKey, t.sim.vonage.apiSecret);
    bearer = `Bearer ${await new SignJWT({ application_id: t.sim.vonage.applicationId })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime('15m')
      .sign(createPrivateKey(t.vonagePrivateKey ?? ''))}`;
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
  });

  function firstMessage(body: unknown): Record<string, unknown> {
    const messages = obj(body).messages;
    assert.ok(Array.isArray(messages));
    return obj(messages[0]);
  }

  describe('POST /sms/json', () => {
    it('accepts JSON with Basic auth and answers Vonage-shaped, recording the message', async () => {
      const res = await request(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basic },
        json: { ...SMS, ttl: 300_000, 'client-ref': 'event-42', callback: 'http://127.0.0.1:9/dlr' },
      });
      assert.equal(res.status, 200);
      const body = obj(res.body);
      assert.equal(body['message-count'], '1');
      const message = firstMessage(body);
      assert.equal(message.status, '0');
      assert.equal(message.to, SMS.to);
      assert.equal(message['client-ref'], 'event-42');
      assert.match(String(message['message-id']), /^[0-9a-f-]{36}$/);
      assert.equal(typeof message['remaining-balance'], 'string');
      assert.equal(typeof message['message-price'], 'string');
      assert.equal(typeof message.network, 'string');

      const record = t.sim.store.findBySid(String(message['message-id']));
      assert.equal(record?.provider, 'vonage');
      assert.equal(record?.body, SMS.text);
      assert.equal(record?.ttlMs, 300_000);
      assert.equal(record?.clientRef, 'event-42');
      assert.equal(record?.statusCallback, 'http://127.0.0.1:9/dlr');
      assert.equal(record?.status, 'accepted');
      assert.equal(t.sim.store.query({ to: '+15551234567', provider: 'vonage' }).length, 1);
    });

    it('accepts form bodies with api_key/api_secret, and credentials in the query string', async () => {
      const form = await postForm(`${t.url}/sms/json`, {
        ...SMS,
        api_key: t.sim.vonage.apiKey,
        api_secret: t.sim.vonage.apiSecret,
      });
      assert.equal(firstMessage(form.body).status, '0');
      const query = new URLSearchParams({ api_key: t.sim.vonage.apiKey, api_secret: t.sim.vonage.apiSecret });
      const res = await postForm(`${t.url}/sms/json?${query}`, SMS);
      assert.equal(firstMessage(res.body).status, '0');
      assert.equal(t.sim.store.query().length, 2);
    });

    it('answers one message per segment', async () => {
      const res = await request(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basic },
        json: { ...SMS, text: 'a'.repeat(200) },
      });
      const body = obj(res.body);
      assert.equal(body['message-count'], '2');
      assert.equal((body.messages as unknown[]).length, 2);
      const [record] = t.sim.store.query();
      assert.equal(record?.outcome === 'accepted' ? record.numSegments : undefined, 2);
    });

    it('answers every refusal in an HTTP 200 with a status and error-text', async () => {
      const cases: [Record<string, unknown>, Record<string, string>, string][] = [
        [{ ...SMS }, {}, '2'],
        [{ ...SMS }, { authorization: basicAuth(t.sim.vonage.apiKey, 'wrong') }, '4'],
        [{ from: 'ACME', text: 'x' }, { authorization: basic }, '2'],
        [{ ...SMS, to: '+15551234567' }, { authorization: basic }, '3'],
        [{ ...SMS, to: '15005550003' }, { authorization: basic }, '7'],
      ];
      for (const [json, headers, status] of cases) {
        const res = await request(`${t.url}/sms/json`, { method: 'POST', headers, json });
        assert.equal(res.status, 200);
        const body = obj(res.body);
        assert.equal(body['message-count'], '1');
        assert.equal(firstMessage(body).status, status, JSON.stringify(json));
        assert.equal(typeof firstMessage(body)['error-text'], 'string');
      }
      const rejected = t.sim.store.query({ outcome: 'rejected' });
      assert.equal(rejected.length, cases.length);
      assert.deepEqual(t.sim.store.stats().byErrorCode, {
        'vonage:2': 2,
        'vonage:4': 1,
        'vonage:3': 1,
        'vonage:7': 1,
      });
    });

    it('answers an unreadable body with status 3, still in an HTTP 200', async () => {
      const res = await fetch(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: '{not json',
      });
      assert.equal(res.status, 200);
      assert.equal(firstMessage(await res.json()).status, '3');
    });

    it('plays faults the SMS API way', async () => {
      t.sim.faults.set('vonage', { throttleRate: 1, retryAfterSeconds: 3 });
      let res = await request(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basic },
        json: SMS,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('retry-after'), '3');
      assert.equal(firstMessage(res.body).status, '1');

      t.sim.faults.set('vonage', { errorRate: 1, errorCode: 5 });
      res = await request(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basic },
        json: SMS,
      });
      assert.equal(res.status, 200);
      assert.equal(firstMessage(res.body).status, '5');

      t.sim.faults.set('vonage', { errorRate: 1, errorStatus: 503 });
      res = await request(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basic },
        json: SMS,
      });
      assert.equal(res.status, 503);
      assert.equal(obj(res.body).title, 'Service Unavailable');

      t.sim.faults.set('vonage', { invalidNumberRate: 1 });
      res = await request(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basic },
        json: SMS,
      });
      assert.equal(firstMessage(res.body).status, '3');

      assert.deepEqual(
        t.sim.store.query({ outcome: 'faulted' }).map((r) => r.outcome !== 'accepted' && r.fault),
        ['throttle', 'error', 'error', 'invalid-number'],
      );
      assert.equal(t.sim.store.query().length, 0);
    });
  });

  describe('POST /v1/calls', () => {
    it('accepts an NCCO call with a valid JWT and records what it says', async () => {
      const res = await request(`${t.url}/v1/calls`, {
        method: 'POST',
        headers: { authorization: bearer },
        json: { ...CALL, event_url: ['http://127.0.0.1:9/events'], ringing_timer: 25 },
      });
      assert.equal(res.status, 201);
      const body = obj(res.body);
      assert.equal(body.status, 'started');
      assert.equal(body.direction, 'outbound');
      assert.match(String(body.uuid), /^[0-9a-f-]{36}$/);
      assert.match(String(body.conversation_uuid), /^CON-/);
      const record = t.sim.store.findBySid(String(body.uuid));
      assert.equal(record?.channel, 'voice');
      assert.equal(record?.speech?.text, 'Your code is 4 8 2 9 1 3 Your code is 4 8 2 9 1 3');
      assert.equal(record?.speech?.language, 'en-GB');
      assert.equal(record?.timeout, 25);
      assert.equal(record?.statusCallback, 'http://127.0.0.1:9/events');

      const fetched = await request(`${t.url}/v1/calls/${String(body.uuid)}`, {
        headers: { authorization: bearer },
      });
      assert.equal(fetched.status, 200);
      assert.equal(obj(fetched.body).status, 'started');
    });

    it('answers problem JSON: 401 without a valid JWT, 400 naming invalid parameters, 403 for barred numbers', async () => {
      let res = await request(`${t.url}/v1/calls`, { method: 'POST', json: CALL });
      assert.equal(res.status, 401);
      assert.equal(obj(res.body).title, 'Unauthorized');
      assert.match(String(obj(res.body).type), /^https:\/\/developer\.nexmo\.com\/api-errors/);

      res = await request(`${t.url}/v1/calls`, {
        method: 'POST',
        headers: { authorization: bearer },
        json: { ...CALL, ringing_timer: 0 },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(
        (obj(res.body).invalid_parameters as { name: string }[]).map((p) => p.name),
        ['ringing_timer'],
      );

      res = await request(`${t.url}/v1/calls`, {
        method: 'POST',
        headers: { authorization: bearer },
        json: { ...CALL, to: [{ type: 'phone', number: '15005550004' }] },
      });
      assert.equal(res.status, 403);
      assert.equal(t.sim.store.query().length, 0);
      assert.equal(t.sim.store.query({ outcome: 'rejected', channel: 'voice' }).length, 3);
    });

    it('plays throttle and error faults as problem JSON', async () => {
      t.sim.faults.set('vonage', { throttleRate: 1, retryAfterSeconds: 2 });
      let res = await request(`${t.url}/v1/calls`, {
        method: 'POST',
        headers: { authorization: bearer },
        json: CALL,
      });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '2');
      t.sim.faults.set('vonage', { errorRate: 1, errorStatus: 500 });
      res = await request(`${t.url}/v1/calls`, {
        method: 'POST',
        headers: { authorization: bearer },
        json: CALL,
      });
      assert.equal(res.status, 500);
      assert.equal(obj(res.body).title, 'Internal Error');
    });
  });
});

describe('Vonage Voice API without an application key', () => {
  it('refuses calls with 401 and says how to configure one; SMS still works', async () => {
    const sim = createSimulator();
    const t = await listenSimulator(sim, { port: 0, host: '127.0.0.1' });
    try {
      assert.equal(sim.vonage.voiceEnabled, false);
      const res = await request(`${t.url}/v1/calls`, { method: 'POST', json: CALL });
      assert.equal(res.status, 401);
      assert.match(String(obj(res.body).detail), /VONAGE_PRIVATE_KEY/);
      const sms = await request(`${t.url}/sms/json`, {
        method: 'POST',
        headers: { authorization: basicAuth(sim.vonage.apiKey, sim.vonage.apiSecret) },
        json: SMS,
      });
      assert.equal(obj((obj(sms.body).messages as unknown[])[0]).status, '0');
    } finally {
      await t.close();
    }
  });
});
