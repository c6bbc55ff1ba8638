import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { Vonage } from '@vonage/server-sdk';
import { jwtVerify } from 'jose';
import twilio from 'twilio';
import {
  basicAuth,
  type CallbackReceiver,
  obj,
  postForm,
  request,
  startCallbackReceiver,
  startTestSimulator,
  type TestSimulator,
} from '../testing/harness.ts';

const SIGNATURE_SECRET = 'vonage-signature-secret';
const FAST = { delayMs: 5 };

describe('status callbacks', () => {
  let t: TestSimulator;
  let receiver: CallbackReceiver;

  before(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestSimulator({
      vonage: { signatureSecret: SIGNATURE_SECRET },
      callbacks: { sendgridEventUrl: `${receiver.url}/sendgrid/events`, retryDelaysMs: [20, 20] },
    });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    t.sim.callbacks.clear();
    t.sim.store.clear();
    t.sim.faults.clearAll();
    for (const provider of ['twilio', 'vonage', 'sendgrid'] as const) t.sim.callbackSettings.reset(provider);
    receiver.received.length = 0;
    receiver.status = 204;
  });

  async function setCallbacks(provider: string, settings: unknown): Promise<void> {
    const res = await request(`${t.url}/sim/callbacks/${provider}`, { method: 'PUT', json: settings });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  async function twilioSms(statusCallback: string): Promise<string> {
    const res = await postForm(
      `${t.accountUrl}/Messages.json`,
      {
        To: '+15551234567',
        From: '+15557654321',
        Body: 'Your code is 482913',
        StatusCallback: statusCallback,
      },
      { authorization: t.authorization },
    );
    assert.equal(res.status, 201);
    return String(obj(res.body).sid);
  }

  function header(value: string | string[] | undefined): string {
    return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
  }

  describe('Twilio', () => {
    it('reports sent then delivered, form-encoded and signed exactly like Twilio', async () => {
      await setCallbacks('twilio', FAST);
      const url = `${receiver.url}/twilio/status?attempt=1`;
      const sid = await twilioSms(url);
      const [sent, delivered] = await receiver.waitFor(2);
      for (const callback of [sent, delivered]) {
        assert.ok(callback);
        assert.equal(callback.method, 'POST');
        assert.equal(callback.url, url);
        assert.ok(
          twilio.validateRequest(
            t.sim.twilio.authToken,
            header(callback.headers['x-twilio-signature']),
            url,
            callback.params,
          ),
          'twilio.validateRequest accepts the signature',
        );
        assert.equal(callback.params.MessageSid, sid);
        assert.equal(callback.params.SmsSid, sid);
        assert.equal(callback.params.AccountSid, t.sim.twilio.accountSid);
        assert.equal(callback.params.ApiVersion, '2010-04-01');
        assert.equal(callback.params.To, '+15551234567');
        assert.equal(callback.params.From, '+15557654321');
        assert.equal(callback.params.Body, undefined, 'never the body');
      }
      assert.equal(sent?.params.MessageStatus, 'sent');
      assert.equal(delivered?.params.MessageStatus, 'delivered');
      assert.equal(delivered?.params.SmsStatus, 'delivered');
      assert.match(delivered?.params.RawDlrDoneDate ?? '', /^\d{10}$/);
      await t.sim.callbacks.idle();
      assert.equal(t.sim.store.findBySid(sid)?.status, 'delivered');
      assert.deepEqual(
        t.sim.store.findBySid(sid)?.statusHistory?.map((s) => s.status),
        ['queued', 'sent', 'delivered'],
      );
      const fetched = await request(`${t.accountUrl}/Messages/${sid}.json`, {
        headers: { authorization: t.authorization },
      });
      assert.equal(obj(fetched.body).status, 'delivered');

      const log = obj((await request(`${t.url}/sim/callbacks?sid=${sid}`)).body).callbacks as Record<
        string,
        unknown
      >[];
      assert.deepEqual(
        log.map((c) => [c.status, c.outcome, c.responseStatus, c.attempts]),
        [
          ['sent', 'delivered', 204, 1],
          ['delivered', 'delivered', 204, 1],
        ],
      );
    });

    it('reports undelivered with the configured ErrorCode (flat shorthand settings)', async () => {
      await setCallbacks('twilio', { undelivered: 1, errorCode: 30005, delayMs: 5 });
      const sid = await twilioSms(`${receiver.url}/twilio/status`);
      const [, final] = await receiver.waitFor(2);
      assert.equal(final?.params.MessageStatus, 'undelivered');
      assert.equal(final?.params.ErrorCode, '30005');
      await t.sim.callbacks.idle();
      const record = t.sim.store.findBySid(sid);
      assert.equal(record?.status, 'undelivered');
      assert.equal(record?.errorCode, 30005);
      const fetched = await request(`${t.accountUrl}/Messages/${sid}.json`, {
        headers: { authorization: t.authorization },
      });
      assert.equal(obj(fetched.body).error_code, 30005);
    });

    it('failed skips sent; none sends sent and never a final report', async () => {
      await setCallbacks('twilio', { sms: { failed: 1 }, ...FAST });
      await twilioSms(`${receiver.url}/a`);
      await t.sim.callbacks.idle();
      assert.deepEqual(
        receiver.received.map((c) => [c.params.MessageStatus, c.params.ErrorCode]),
        [['failed', '30008']],
      );

      receiver.received.length = 0;
      await setCallbacks('twilio', { sms: { none: 1 }, ...FAST });
      const sid = await twilioSms(`${receiver.url}/b`);
      await t.sim.callbacks.idle();
      assert.deepEqual(
        receiver.received.map((c) => c.params.MessageStatus),
        ['sent'],
      );
      assert.equal(t.sim.store.findBySid(sid)?.status, 'sent');
    });

    it('sends duplicates with the same idempotency token, and can deliver the final report first', async () => {
      await setCallbacks('twilio', {
        sms: { delivered: 1 },
        duplicateRate: 1,
        outOfOrderRate: 1,
        delayMs: 10,
      });
      const sid = await twilioSms(`${receiver.url}/dup`);
      await t.sim.callbacks.idle();
      const statuses = receiver.received.map((c) => c.params.MessageStatus);
      assert.equal(statuses.length, 4, 'each report twice');
      assert.equal(statuses[0], 'delivered', 'the final report overtook sent');
      const tokens = receiver.received.map((c) => header(c.headers['i-twilio-idempotency-token']));
      assert.equal(new Set(tokens).size, 2, 'a duplicate carries its original’s token');
      // The store keeps the provider's truth, in logical order.
      assert.equal(t.sim.store.findBySid(sid)?.status, 'delivered');
      const log = t.sim.callbacks.list({ sid });
      assert.equal(log.filter((c) => c.duplicate).length, 2);
      assert.equal(log.filter((c) => c.outOfOrder).length, 1);
    });

    it('calls: reports the requested events with CallStatus, SequenceNumber and CallDuration; GET is signed over the URL', async () => {
      await setCallbacks('twilio', { voice: { completed: 1 }, ...FAST });
      const url = `${receiver.url}/twilio/voice`;
      const res = await postForm(
        `${t.accountUrl}/Calls.json`,
        [
          ['To', '+15551234567'],
          ['From', '+15557654321'],
          ['Twiml', '<Response><Say>Your code is 4 8 2 9 1 3</Say></Response>'],
          ['StatusCallback', url],
          ['StatusCallbackMethod', 'GET'],
          ['StatusCallbackEvent', 'initiated'],
          ['StatusCallbackEvent', 'ringing'],
          ['StatusCallbackEvent', 'answered'],
          ['StatusCallbackEvent', 'completed'],
        ],
        { authorization: t.authorization },
      );
      const sid = String(obj(res.body).sid);
      const callbacks = await receiver.waitFor(4);
      await t.sim.callbacks.idle();
      assert.deepEqual(
        callbacks.map((c) => [c.method, c.params.CallStatus, c.params.SequenceNumber]),
        [
          ['GET', 'initiated', '0'],
          ['GET', 'ringing', '1'],
          ['GET', 'in-progress', '2'],
          ['GET', 'completed', '3'],
        ],
      );
      for (const callback of callbacks) {
        assert.equal(callback.params.CallSid, sid);
        assert.ok(
          twilio.validateRequest(
            t.sim.twilio.authToken,
            header(callback.headers['x-twilio-signature']),
            callback.url,
            {},
          ),
        );
      }
      assert.match(callbacks[3]?.params.CallDuration ?? '', /^\d+$/);
      assert.match(callbacks[0]?.params.Timestamp ?? '', /\+0000$/);
      assert.equal(t.sim.store.findBySid(sid)?.status, 'completed');
    });

    it('calls: only the completed event by default, carrying busy / no-answer', async () => {
      await setCallbacks('twilio', { busy: 1, ...FAST });
      await postForm(
        `${t.accountUrl}/Calls.json`,
        {
          To: '+15551234567',
          From: '+15557654321',
          Twiml: '<Response><Say>x</Say></Response>',
          StatusCallback: `${receiver.url}/v`,
        },
        { authorization: t.authorization },
      );
      await t.sim.callbacks.idle();
      assert.deepEqual(
        receiver.received.map((c) => [c.params.CallStatus, c.params.CallDuration, c.params.SequenceNumber]),
        [['busy', '0', '0']],
      );
    });
  });

  describe('Vonage', () => {
    function client(): Vonage {
      return new Vonage(
        {
          apiKey: t.sim.vonage.apiKey,
          apiSecret: t.sim.vonage.apiSecret,
          applicationId: t.sim.vonage.applicationId,
          privateKey: t.vonagePrivateKey ?? '',
        },
        { restHost: t.url, apiHost: t.url },
      );
    }

    it('SMS: POSTs a signed JSON delivery receipt per message part', async () => {
      await setCallbacks('vonage', { sms: { delivered: 1 }, ...FAST });
      const result = await client().sms.send({
        to: '15551234567',
        from: 'ACME',
        text: 'a'.repeat(200),
        clientRef: 'event-42',
        callback: `${receiver.url}/vonage/dlr`,
      });
      const ids = result.messages.map((m) => m.messageId);
      assert.equal(ids.length, 2);
      await t.sim.callbacks.idle();
      const receipts = receiver.received.map((c) => c.json as Record<string, string>);
      assert.equal(receipts.length, 4, 'accepted then delivered, for each part');
      const sms = client().sms;
      for (const receipt of receipts) {
        assert.equal(receipt.msisdn, '15551234567');
        assert.equal(receipt.to, 'ACME');
        assert.equal(receipt['client-ref'], 'event-42');
        assert.equal(receipt['api-key'], t.sim.vonage.apiKey);
        assert.match(receipt['message-timestamp'] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        assert.match(receipt.scts ?? '', /^\d{10}$/);
        assert.ok(ids.includes(receipt.messageId));
        assert.ok(
          sms.verifySignature(
            receipt.sig ?? '',
            receipt,
            SIGNATURE_SECRET,
            'SHA256HMAC' as Parameters<typeof sms.verifySignature>[3],
          ),
          'the SDK verifies the sig',
        );
      }
      const finals = receipts.filter((r) => r.status === 'delivered');
      assert.equal(finals.length, 2);
      assert.ok(finals.every((r) => r['err-code'] === '0'));
      assert.equal(t.sim.store.findBySid(ids[0] ?? '')?.status, 'delivered');
    });

    it('SMS: failed / rejected / expired carry an err-code', async () => {
      await setCallbacks('vonage', { sms: { rejected: 1, errorCode: 4 }, ...FAST });
      await client().sms.send({
        to: '15551234567',
        from: 'ACME',
        text: 'x',
        callback: `${receiver.url}/dlr`,
      });
      await t.sim.callbacks.idle();
      assert.deepEqual(
        receiver.received.map((c) => [
          (c.json as Record<string, string>).status,
          (c.json as Record<string, string>)['err-code'],
        ]),
        [['rejected', '4']],
      );
    });

    it('voice: POSTs events to event_url with an HS256 JWT whose payload_hash matches the body', async () => {
      await setCallbacks('vonage', { voice: { unanswered: 1 }, ...FAST });
      const call = await client().voice.createOutboundCall({
        to: [{ type: 'phone', number: '15551234567' }],
        from: { type: 'phone', number: '15557654321' },
        ncco: [{ action: 'talk', text: 'Your code is 4 8 2 9 1 3' }],
        eventUrl: [`${receiver.url}/vonage/events`],
      } as Parameters<Vonage['voice']['createOutboundCall']>[0]);
      await t.sim.callbacks.idle();
      const events = receiver.received;
      assert.deepEqual(
        events.map((e) => (e.json as Record<string, string>).status),
        ['started', 'ringing', 'unanswered'],
      );
      for (const event of events) {
        const body = event.json as Record<string, string>;
        assert.equal(body.uuid, call.uuid);
        assert.equal(body.conversation_uuid, call.conversationUUID);
        assert.equal(body.direction, 'outbound');
        const token = header(event.headers.authorization).replace(/^Bearer /, '');
        const { payload } = await jwtVerify(token, new TextEncoder().encode(SIGNATURE_SECRET), {
          algorithms: ['HS256'],
        });
        assert.equal(payload.payload_hash, createHash('sha256').update(event.rawBody).digest('hex'));
        assert.equal(payload.application_id, t.sim.vonage.applicationId);
        assert.equal(payload.api_key, t.sim.vonage.apiKey);
      }
      assert.equal(t.sim.store.findBySid(call.uuid)?.status, 'unanswered');
    });
  });

  describe('SendGrid', () => {
    it('POSTs processed then delivered to SIM_SENDGRID_EVENT_URL, signed with the key at /sim/sendgrid/public-key', async () => {
      await setCallbacks('sendgrid', FAST);
      const res = await request(`${t.url}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.sim.sendgrid.apiKey}` },
        json: {
          personalizations: [{ to: [{ email: 'person@example.com' }] }],
          from: { email: 'no-reply@byot.example' },
          subject: 'Your code',
          content: [{ type: 'text/plain', value: 'Your code is 482913' }],
        },
      });
      const messageId = res.headers.get('x-message-id') ?? '';
      await t.sim.callbacks.idle();
      const publicKey = String(obj((await request(`${t.url}/sim/sendgrid/public-key`)).body).public_key);
      assert.equal(publicKey, t.sim.sendgrid.eventPublicKey);
      const webhook = new EventWebhook();
      const key = webhook.convertPublicKeyToECDSA(publicKey);
      const batches = receiver.received;
      assert.equal(batches.length, 2);
      for (const batch of batches) {
        assert.equal(batch.path, '/sendgrid/events');
        assert.ok(
          webhook.verifySignature(
            key,
            batch.rawBody,
            header(batch.headers['x-twilio-email-event-webhook-signature']),
            header(batch.headers['x-twilio-email-event-webhook-timestamp']),
          ),
        );
      }
      const events = batches.flatMap((b) => b.json as Record<string, unknown>[]);
      assert.deepEqual(
        events.map((e) => [e.event, e.email]),
        [
          ['processed', 'person@example.com'],
          ['delivered', 'person@example.com'],
        ],
      );
      assert.ok(events.every((e) => String(e.sg_message_id).startsWith(`${messageId}.`)));
      assert.equal(t.sim.store.findBySid(messageId)?.status, 'delivered');
    });

    it('bounce carries its SMTP status; eventUrl can be set at run time', async () => {
      await setCallbacks('sendgrid', { bounce: 1, eventUrl: `${receiver.url}/other`, ...FAST });
      await request(`${t.url}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.sim.sendgrid.apiKey}` },
        json: {
          personalizations: [{ to: [{ email: 'gone@example.com' }] }],
          from: { email: 'no-reply@byot.example' },
          subject: 's',
          content: [{ type: 'text/plain', value: 'v' }],
        },
      });
      await t.sim.callbacks.idle();
      const events = receiver.received.flatMap((b) => b.json as Record<string, unknown>[]);
      assert.ok(receiver.received.every((b) => b.path === '/other'));
      assert.deepEqual(
        events.map((e) => [e.event, e.status ?? null]),
        [
          ['processed', null],
          ['bounce', '5.1.1'],
        ],
      );
    });
  });

  describe('delivery', () => {
    it('retries a callback that gets no answer, then records it as failed', async () => {
      await setCallbacks('twilio', { sms: { failed: 1 }, ...FAST });
      const closed = await startCallbackReceiver();
      const url = `${closed.url}/gone`;
      await closed.close();
      const sid = await twilioSms(url);
      await t.sim.callbacks.idle();
      const [entry] = t.sim.callbacks.list({ sid });
      assert.equal(entry?.outcome, 'failed');
      assert.equal(entry?.attempts, 3);
      assert.equal(entry?.error, 'ECONNREFUSED');
      assert.equal(
        t.sim.store.findBySid(sid)?.status,
        'failed',
        'the status moves whether or not the report arrives',
      );
    });

    it('does not retry an HTTP error answer, and records it', async () => {
      receiver.status = 500;
      await setCallbacks('twilio', { sms: { failed: 1 }, ...FAST });
      const sid = await twilioSms(`${receiver.url}/error`);
      await t.sim.callbacks.idle();
      const [entry] = t.sim.callbacks.list({ sid });
      assert.equal(entry?.outcome, 'http-error');
      assert.equal(entry?.responseStatus, 500);
      assert.equal(receiver.received.length, 1);
    });

    it('never calls a host outside SIM_CALLBACK_HOSTS (default: this machine only)', async () => {
      await setCallbacks('twilio', { sms: { failed: 1 }, ...FAST });
      const sid = await twilioSms('https://hooks.example.com/twilio/status');
      await t.sim.callbacks.idle();
      const [entry] = t.sim.callbacks.list({ sid });
      assert.equal(entry?.outcome, 'skipped');
      assert.match(entry?.error ?? '', /hooks\.example\.com is not in SIM_CALLBACK_HOSTS/);
      assert.equal(entry?.attempts, 0);
    });

    it('lists, filters and resets the callback log; GET and DELETE the settings', async () => {
      await setCallbacks('twilio', { sms: { delivered: 1 }, ...FAST });
      await twilioSms(`${receiver.url}/a`);
      await t.sim.callbacks.idle();
      let res = await request(`${t.url}/sim/callbacks?provider=twilio&status=delivered`);
      assert.equal((obj(res.body).callbacks as unknown[]).length, 1);
      assert.equal((await request(`${t.url}/sim/callbacks?stauts=x`)).status, 400);
      res = await request(`${t.url}/sim/callbacks`, { method: 'DELETE' });
      assert.equal(obj(res.body).deleted, 2);

      res = await request(`${t.url}/sim/callbacks/twilio`);
      assert.deepEqual(obj(obj(res.body).settings).sms, { delivered: 1 });
      res = await request(`${t.url}/sim/callbacks/twilio`, { method: 'DELETE' });
      assert.deepEqual(obj(res.body).settings, {
        sms: { delivered: 1 },
        voice: { completed: 1 },
        delayMs: { min: 100, max: 500 },
        duplicateRate: 0,
        outOfOrderRate: 0,
      });
      res = await request(`${t.url}/sim/callbacks/twilio`, { method: 'PUT', json: { failed: 1 } });
      assert.equal(res.status, 400);
      assert.equal(obj(res.body).error, 'invalid_callbacks');
      assert.equal((await request(`${t.url}/sim/callbacks/nexmo`)).status, 404);
    });

    it('a reset cancels what is scheduled', async () => {
      await setCallbacks('twilio', { sms: { delivered: 1 }, delayMs: 200 });
      const sid = await twilioSms(`${receiver.url}/late`);
      t.sim.callbacks.clear();
      await t.sim.callbacks.idle();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(receiver.received.length, 0);
      assert.equal(t.sim.store.findBySid(sid)?.status, 'queued');
    });
  });
});

describe('status callbacks, host allow-list', () => {
  it('"*" allows any host; a named host is allowed on any port', async () => {
    const receiver = await startCallbackReceiver();
    const t = await startTestSimulator({
      callbacks: { allowedHosts: ['127.0.0.1'], initial: { twilio: { sms: { failed: 1 }, delayMs: 1 } } },
    });
    try {
      await postForm(
        `${t.accountUrl}/Messages.json`,
        { To: '+15551234567', From: '+15557654321', Body: 'x', StatusCallback: `${receiver.url}/ok` },
        { authorization: t.authorization },
      );
      await postForm(
        `${t.accountUrl}/Messages.json`,
        {
          To: '+15551234567',
          From: '+15557654321',
          Body: 'x',
          StatusCallback: `${receiver.url.replace('127.0.0.1', 'localhost')}/no`,
        },
        { authorization: t.authorization },
      );
      await t.sim.callbacks.idle();
      assert.deepEqual(
        t.sim.callbacks.list().map((c) => c.outcome),
        ['delivered', 'skipped'],
      );
      assert.equal(basicAuth('a', 'b').startsWith('Basic '), true);
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
