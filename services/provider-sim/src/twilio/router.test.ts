import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  basicAuth,
  obj,
  postForm,
  request,
  startTestSimulator,
  type TestSimulator,
} from '../testing/harness.ts';

const RFC_2822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const SMS = { To: '+15551234567', From: '+15557654321', Body: 'Your verification code is 482913' };
const TWIML =
  '<Response><Say voice="Polly.Joanna" language="en-US" loop="2">Your code is 4 8 2 9 1 3</Say></Response>';

describe('Twilio REST API over HTTP', () => {
  let t: TestSimulator;
  let auth: Record<string, string>;

  before(async () => {
    t = await startTestSimulator();
    auth = { authorization: t.authorization };
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
  });

  describe('POST Messages.json', () => {
    it('answers 201 with a Twilio-shaped message and records it', async () => {
      const before = Date.now();
      const res = await postForm(`${t.accountUrl}/Messages.json`, { ...SMS, ValidityPeriod: '240' }, auth);
      assert.equal(res.status, 201);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = obj(res.body);
      assert.match(String(body.sid), /^SM[0-9a-f]{32}$/);
      assert.deepEqual(
        { ...body, sid: 'SID', date_created: 'D', date_updated: 'D' },
        {
          account_sid: t.sim.twilio.accountSid,
          api_version: '2010-04-01',
          body: SMS.Body,
          date_created: 'D',
          date_sent: null,
          date_updated: 'D',
          direction: 'outbound-api',
          error_code: null,
          error_message: null,
          from: SMS.From,
          messaging_service_sid: null,
          num_media: '0',
          num_segments: '1',
          price: null,
          price_unit: null,
          sid: 'SID',
          status: 'queued',
          subresource_uris: {
            media: `/2010-04-01/Accounts/${t.sim.twilio.accountSid}/Messages/${body.sid}/Media.json`,
          },
          to: SMS.To,
          uri: `/2010-04-01/Accounts/${t.sim.twilio.accountSid}/Messages/${body.sid}.json`,
        },
      );
      assert.match(String(body.date_created), RFC_2822);

      const [record, ...rest] = t.sim.store.query();
      assert.equal(rest.length, 0);
      assert.ok(record && record.outcome === 'accepted');
      assert.equal(record.sid, body.sid);
      assert.equal(record.channel, 'sms');
      assert.equal(record.body, SMS.Body);
      assert.equal(record.validityPeriod, 240);
      assert.ok(record.receivedAt >= before);
    });

    it('answers status "accepted" and from null with a Messaging Service', async () => {
      const res = await postForm(
        `${t.accountUrl}/Messages.json`,
        { To: SMS.To, MessagingServiceSid: `MG${'a'.repeat(32)}`, Body: 'hi' },
        auth,
      );
      assert.equal(res.status, 201);
      const body = obj(res.body);
      assert.equal(body.status, 'accepted');
      assert.equal(body.from, null);
      assert.equal(body.messaging_service_sid, `MG${'a'.repeat(32)}`);
    });

    it("answers validation errors in Twilio's error shape and records them as rejected", async () => {
      const res = await postForm(`${t.accountUrl}/Messages.json`, { ...SMS, To: '+1555' }, auth);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        code: 21211,
        message: "The 'To' number +1555 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      });
      assert.equal(t.sim.store.query().length, 0, 'nothing delivered');
      const [rejected] = t.sim.store.query({ outcome: 'rejected' });
      assert.equal(rejected?.outcome === 'rejected' && rejected.errorCode, 21211);
    });

    it('answers the magic test numbers with their codes', async () => {
      for (const [to, code] of [
        ['+15005550001', 21211],
        ['+15005550002', 21612],
        ['+15005550003', 21408],
        ['+15005550004', 21610],
        ['+15005550009', 21614],
      ] as const) {
        const res = await postForm(`${t.accountUrl}/Messages.json`, { ...SMS, To: to }, auth);
        assert.equal(res.status, 400, to);
        assert.equal(obj(res.body).code, code, to);
      }
    });

    it('answers 401/20003 without credentials or with a wrong token', async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: basicAuth(t.sim.twilio.accountSid, 'wrong') },
      ];
      for (const headers of attempts) {
        const res = await postForm(`${t.accountUrl}/Messages.json`, SMS, headers);
        assert.equal(res.status, 401);
        assert.equal(obj(res.body).code, 20003);
        assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Twilio API"');
      }
      assert.deepEqual(t.sim.store.stats().byErrorCode, { '20003': 2 });
    });

    it('answers 404 for a malformed account in the path and 401 for another account', async () => {
      const malformed = await postForm(`${t.url}/2010-04-01/Accounts/null/Messages.json`, SMS, auth);
      assert.equal(malformed.status, 404);
      assert.equal(obj(malformed.body).code, 20404);
      const other = await postForm(
        `${t.url}/2010-04-01/Accounts/AC${'f'.repeat(32)}/Messages.json`,
        SMS,
        auth,
      );
      assert.equal(other.status, 401);
    });

    it('answers a form that is not a form like a request without parameters', async () => {
      const res = await request(`${t.accountUrl}/Messages.json`, {
        method: 'POST',
        headers: auth,
        json: SMS,
      });
      assert.equal(res.status, 400);
      assert.equal(obj(res.body).code, 21604);
    });
  });

  describe('GET Messages/{Sid}.json', () => {
    it('fetches a message it created, and 404s unknown ones', async () => {
      const created = obj((await postForm(`${t.accountUrl}/Messages.json`, SMS, auth)).body);
      const fetched = await request(`${t.accountUrl}/Messages/${created.sid}.json`, { headers: auth });
      assert.equal(fetched.status, 200);
      assert.deepEqual(fetched.body, created);

      const missing = await request(`${t.accountUrl}/Messages/SM${'0'.repeat(32)}.json`, { headers: auth });
      assert.equal(missing.status, 404);
      assert.equal(obj(missing.body).code, 20404);
      const unauthenticated = await request(`${t.accountUrl}/Messages/${created.sid}.json`);
      assert.equal(unauthenticated.status, 401);
    });

    it('does not serve a call as a message', async () => {
      const call = obj(
        (await postForm(`${t.accountUrl}/Calls.json`, { To: SMS.To, From: SMS.From, Twiml: TWIML }, auth))
          .body,
      );
      const res = await request(`${t.accountUrl}/Messages/${call.sid}.json`, { headers: auth });
      assert.equal(res.status, 404);
      const asCall = await request(`${t.accountUrl}/Calls/${call.sid}.json`, { headers: auth });
      assert.equal(asCall.status, 200);
      assert.equal(obj(asCall.body).sid, call.sid);
    });
  });

  describe('POST Calls.json', () => {
    it('answers 201 with a queued call and records what it would say', async () => {
      const res = await postForm(
        `${t.accountUrl}/Calls.json`,
        [
          ['To', '+15551234567'],
          ['From', '+15557654321'],
          ['Twiml', TWIML],
          ['Timeout', '30'],
          ['StatusCallback', 'https://hooks.example.com/voice-status'],
          ['StatusCallbackEvent', 'initiated'],
          ['StatusCallbackEvent', 'completed'],
        ],
        auth,
      );
      assert.equal(res.status, 201);
      const body = obj(res.body);
      assert.match(String(body.sid), /^CA[0-9a-f]{32}$/);
      assert.equal(body.status, 'queued');
      assert.equal(body.direction, 'outbound-api');
      assert.equal(body.to, '+15551234567');
      assert.equal(body.to_formatted, '(555) 123-4567');
      assert.equal(body.account_sid, t.sim.twilio.accountSid);
      assert.match(String(body.date_created), RFC_2822);

      const record = t.sim.store.findBySid(String(body.sid));
      assert.ok(record);
      assert.equal(record.channel, 'voice');
      assert.equal(record.speech?.text, 'Your code is 4 8 2 9 1 3 Your code is 4 8 2 9 1 3');
      assert.equal(record.speech?.language, 'en-US');
      assert.equal(record.speech?.voice, 'Polly.Joanna');
      assert.equal(record.speech?.loops, 2);
      assert.equal(record.timeout, 30);
      assert.equal(record.statusCallback, 'https://hooks.example.com/voice-status');
      assert.deepEqual(record.statusCallbackEvents, ['initiated', 'completed']);
    });

    it('records a single StatusCallbackEvent as a list', async () => {
      const res = await postForm(
        `${t.accountUrl}/Calls.json`,
        { To: SMS.To, From: SMS.From, Twiml: TWIML, StatusCallbackEvent: 'completed' },
        auth,
      );
      assert.equal(res.status, 201);
      assert.deepEqual(t.sim.store.findBySid(String(obj(res.body).sid))?.statusCallbackEvents, ['completed']);
    });

    it('answers malformed TwiML with 12100 and a pointer to the problem', async () => {
      const res = await postForm(
        `${t.accountUrl}/Calls.json`,
        { To: SMS.To, From: SMS.From, Twiml: '<Response><Say>Code & more</Say></Response>' },
        auth,
      );
      assert.equal(res.status, 400);
      assert.equal(obj(res.body).code, 12100);
      assert.match(String(obj(res.body).message), /line 1, column \d+/);
    });

    it('answers a missing instruction with 21205', async () => {
      const res = await postForm(`${t.accountUrl}/Calls.json`, { To: SMS.To, From: SMS.From }, auth);
      assert.equal(res.status, 400);
      assert.equal(obj(res.body).code, 21205);
    });
  });

  describe('injected faults', () => {
    it('throttles with 429, code 20429 and Retry-After, and records the fault', async () => {
      t.sim.faults.set('twilio', { throttleRate: 1, retryAfterSeconds: 4 });
      const res = await postForm(`${t.accountUrl}/Messages.json`, SMS, auth);
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '4');
      assert.equal(obj(res.body).code, 20429);
      assert.equal(t.sim.store.query().length, 0, 'a throttled message is not delivered');
      const [faulted] = t.sim.store.query({ outcome: 'faulted' });
      assert.equal(faulted?.outcome === 'faulted' && faulted.fault, 'throttle');
    });

    it('answers injected errors with the configured status and code, before authentication', async () => {
      t.sim.faults.set('twilio', { errorRate: 1, errorStatus: 503 });
      const res = await postForm(`${t.accountUrl}/Calls.json`, {}, {});
      assert.equal(res.status, 503);
      assert.equal(obj(res.body).code, 20503);
      t.sim.faults.set('twilio', { errorRate: 1, errorStatus: 502, errorCode: 31000 });
      const custom = await postForm(`${t.accountUrl}/Messages.json`, SMS, auth);
      assert.equal(custom.status, 502);
      assert.equal(obj(custom.body).code, 31000);
    });

    it('refuses valid requests as invalid numbers with invalidNumberRate', async () => {
      t.sim.faults.set('twilio', { invalidNumberRate: 1 });
      const res = await postForm(`${t.accountUrl}/Messages.json`, SMS, auth);
      assert.equal(res.status, 400);
      assert.equal(obj(res.body).code, 21211);
      assert.deepEqual(t.sim.store.stats().totals, { accepted: 0, rejected: 0, faulted: 1 });
      // A request that is invalid anyway keeps its own error.
      const invalid = await postForm(`${t.accountUrl}/Messages.json`, { ...SMS, Body: '' }, auth);
      assert.equal(obj(invalid.body).code, 21602);
    });

    it('delays answers by latencyMs', async () => {
      t.sim.faults.set('twilio', { latencyMs: 150 });
      const started = performance.now();
      const res = await postForm(`${t.accountUrl}/Messages.json`, SMS, auth);
      assert.equal(res.status, 201);
      assert.ok(performance.now() - started >= 140, 'answered after the injected latency');
    });

    it('holds a request open with hangRate until the client gives up, delivering nothing', async () => {
      t.sim.faults.set('twilio', { hangRate: 1 });
      await assert.rejects(
        postForm(`${t.accountUrl}/Messages.json`, SMS, auth, AbortSignal.timeout(200)),
        (error: unknown) => error instanceof Error && error.name === 'TimeoutError',
      );
      assert.equal(t.sim.store.query().length, 0);
      const [hung] = t.sim.store.query({ outcome: 'faulted' });
      assert.ok(hung?.outcome === 'faulted');
      assert.equal(hung.fault, 'hang');
      assert.equal(hung.httpStatus, null);
    });

    it('still creates the message when the client times out during latency, as Twilio may', async () => {
      t.sim.faults.set('twilio', { latencyMs: 300 });
      await assert.rejects(postForm(`${t.accountUrl}/Messages.json`, SMS, auth, AbortSignal.timeout(50)));
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(t.sim.store.query().length, 1, 'the timed-out request was still processed');
    });
  });

  it('answers unknown Twilio resources with 401 then 404, in JSON', async () => {
    const anonymous = await request(`${t.url}/2010-04-01/Accounts/${t.sim.twilio.accountSid}/Queues.json`);
    assert.equal(anonymous.status, 401);
    const known = await request(`${t.url}/2010-04-01/Accounts/${t.sim.twilio.accountSid}/Queues.json`, {
      headers: auth,
    });
    assert.equal(known.status, 404);
    assert.equal(obj(known.body).code, 20404);
  });

  it('answers an oversized form body with a Twilio-shaped 413', async () => {
    const res = await postForm(`${t.accountUrl}/Messages.json`, { ...SMS, Body: 'a'.repeat(70_000) }, auth);
    assert.equal(res.status, 413);
    assert.equal(obj(res.body).status, 413);
    assert.match(String(obj(res.body).message), /Could not read the request body/);
  });
});
