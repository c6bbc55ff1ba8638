import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import twilio from 'twilio';
import { startTestSimulator, type TestSimulator } from '../testing/harness.ts';

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];
type ClientOptions = ConstructorParameters<typeof twilio.RequestClient>[0];

/**
 * The way our workers reach the simulator: twilio-node has no base-URL option, so an httpClient rewrites the
 * https://api.twilio.com prefix of every request. Everything else (auth header, form encoding of repeated
 * parameters, error handling) is the SDK's own.
 */
class SimulatorRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string, options?: ClientOptions) {
    super(options);
    this.#baseUrl = baseUrl;
  }

  override request<TData>(opts: RequestOptions & { data?: TData }) {
    return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/api\.twilio\.com/, this.#baseUrl) });
  }
}

function clientFor(t: TestSimulator, options: ClientOptions = {}, authToken = t.sim.twilio.authToken) {
  return twilio(t.sim.twilio.accountSid, authToken, {
    httpClient: new SimulatorRequestClient(t.url, options),
  });
}

interface RestError {
  status: number;
  code: number;
  moreInfo: string;
}

function isRestException(expected: Partial<RestError>) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof twilio.RestException, `expected a RestException, got ${String(error)}`);
    for (const [key, value] of Object.entries(expected)) {
      assert.equal((error as unknown as Record<string, unknown>)[key], value, key);
    }
    return true;
  };
}

describe('the official twilio SDK against the simulator', () => {
  let t: TestSimulator;

  before(async () => {
    t = await startTestSimulator();
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
  });

  it('messages.create sends an SMS, and messages(sid).fetch reads it back', async () => {
    const client = clientFor(t);
    const message = await client.messages.create({
      to: '+15551234567',
      from: '+15557654321',
      body: 'Your verification code is 482913',
      validityPeriod: 300,
      statusCallback: 'https://hooks.example.com/twilio/status',
    });
    assert.match(message.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(message.status, 'queued');
    assert.equal(message.to, '+15551234567');
    assert.equal(message.numSegments, '1');
    assert.equal(message.errorCode, null);
    assert.ok(
      message.dateCreated instanceof Date && !Number.isNaN(message.dateCreated.getTime()),
      'RFC 2822 date parsed',
    );

    const record = t.sim.store.findBySid(message.sid);
    assert.equal(record?.body, 'Your verification code is 482913');
    assert.equal(record?.validityPeriod, 300);
    assert.equal(record?.statusCallback, 'https://hooks.example.com/twilio/status');

    const fetched = await client.messages(message.sid).fetch();
    assert.equal(fetched.sid, message.sid);
    assert.equal(fetched.body, message.body);
  });

  it('calls.create places a call whose SDK-built TwiML is recorded as speech', async () => {
    const response = new twilio.twiml.VoiceResponse();
    const say = response.say({ voice: 'Polly.Joanna', language: 'en-US', loop: 2 }, 'Your code is');
    say.sayAs({ 'interpret-as': 'digits' }, '482913');
    response.pause({ length: 1 });

    const call = await clientFor(t).calls.create({
      to: '+15551234567',
      from: '+15557654321',
      twiml: response.toString(),
      timeout: 30,
      statusCallback: 'https://hooks.example.com/twilio/voice-status',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    assert.match(call.sid, /^CA[0-9a-f]{32}$/);
    assert.equal(call.status, 'queued');
    assert.equal(call.to, '+15551234567');

    const record = t.sim.store.findBySid(call.sid);
    assert.equal(record?.speech?.text, 'Your code is 482913 Your code is 482913');
    assert.equal(record?.speech?.language, 'en-US');
    assert.equal(record?.speech?.voice, 'Polly.Joanna');
    assert.equal(record?.timeout, 30);
    assert.deepEqual(record?.statusCallbackEvents, ['initiated', 'ringing', 'answered', 'completed']);
  });

  it("surfaces Twilio's error codes as RestException", async () => {
    const client = clientFor(t);
    await assert.rejects(
      client.messages.create({ to: '+15005550009', from: '+15557654321', body: 'x' }),
      isRestException({ status: 400, code: 21614, moreInfo: 'https://www.twilio.com/docs/errors/21614' }),
    );
    await assert.rejects(
      client.calls.create({
        to: '+15551234567',
        from: '+15557654321',
        twiml: '<Response><Say>Hi</Response>',
      }),
      isRestException({ status: 400, code: 12100 }),
    );
    await assert.rejects(
      clientFor(t, {}, 'not-the-token').messages.create({
        to: '+15551234567',
        from: '+15557654321',
        body: 'x',
      }),
      isRestException({ status: 401, code: 20003 }),
    );
    assert.equal(t.sim.store.query().length, 0);
  });

  it("retries 429s with the SDK's autoRetry, then gives up with 20429", async () => {
    t.sim.faults.set('twilio', { throttleRate: 1, retryAfterSeconds: 1 });
    const client = clientFor(t, { autoRetry: true, maxRetries: 2, maxRetryDelay: 20 });
    await assert.rejects(
      client.messages.create({ to: '+15551234567', from: '+15557654321', body: 'x' }),
      isRestException({ status: 429, code: 20429 }),
    );
    assert.equal(
      t.sim.store.stats().totals.faulted,
      3,
      'the first attempt and two retries reached the simulator',
    );
  });

  it('lets the client time out on a hung request', async () => {
    t.sim.faults.set('twilio', { hangRate: 1 });
    const client = clientFor(t, { timeout: 200 });
    await assert.rejects(
      client.messages.create({ to: '+15551234567', from: '+15557654321', body: 'x' }),
      /timeout/i,
    );
  });
});
