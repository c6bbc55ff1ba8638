import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCallRequest } from './call-request.ts';
import { FormParams } from './form.ts';

const TWIML = '<Response><Say language="en-US">Your code is 1 2 3 4 5 6</Say></Response>';
const valid = { To: '+15551234567', From: '+15557654321', Twiml: TWIML };

function codeFor(params: Record<string, string | string[]>): number | 'ok' {
  const result = validateCallRequest(FormParams.from(params));
  return result.ok ? 'ok' : result.error.code;
}

describe('validateCallRequest', () => {
  it('interprets inline TwiML and applies Twilio defaults', () => {
    const result = validateCallRequest(FormParams.from(valid));
    assert.ok(result.ok);
    assert.equal(result.value.speech?.text, 'Your code is 1 2 3 4 5 6');
    assert.equal(result.value.timeout, 60);
    assert.deepEqual(result.value.statusCallbackEvents, []);
  });

  it('reads StatusCallbackEvent whether repeated, single, or space-separated', () => {
    const events = (value: string | string[]) => {
      const result = validateCallRequest(FormParams.from({ ...valid, StatusCallbackEvent: value }));
      assert.ok(result.ok);
      return result.value.statusCallbackEvents;
    };
    assert.deepEqual(events(['initiated', 'ringing', 'answered', 'completed']), [
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
    assert.deepEqual(events('completed'), ['completed']);
    assert.deepEqual(events('initiated completed'), ['initiated', 'completed']);
  });

  it('keeps Timeout, StatusCallback and its method, a Url or an ApplicationSid', () => {
    const result = validateCallRequest(
      FormParams.from({
        ...valid,
        Timeout: '25',
        StatusCallback: 'https://hooks.example.com/voice',
        StatusCallbackMethod: 'POST',
      }),
    );
    assert.ok(result.ok);
    assert.equal(result.value.timeout, 25);
    assert.equal(result.value.statusCallback, 'https://hooks.example.com/voice');
    assert.equal(result.value.statusCallbackMethod, 'POST');
    assert.equal(codeFor({ To: valid.To, From: valid.From, Url: 'https://twiml.example.com/otp' }), 'ok');
    assert.equal(codeFor({ To: valid.To, From: valid.From, ApplicationSid: `AP${'a'.repeat(32)}` }), 'ok');
  });

  const cases: [string, Record<string, string | string[]>, number][] = [
    ['missing To', { From: valid.From, Twiml: TWIML }, 21201],
    ['To not E.164', { ...valid, To: '5551234567' }, 21211],
    ['missing From', { To: valid.To, Twiml: TWIML }, 21213],
    ['From not E.164', { ...valid, From: 'ACME' }, 21212],
    ['no Twiml, Url or ApplicationSid', { To: valid.To, From: valid.From }, 21205],
    ['both Twiml and Url', { ...valid, Url: 'https://twiml.example.com/otp' }, 21205],
    ['a relative Url', { To: valid.To, From: valid.From, Url: '/twiml' }, 21205],
    ['a malformed ApplicationSid', { To: valid.To, From: valid.From, ApplicationSid: 'AP1' }, 21218],
    [
      'Twiml over 4000 characters',
      { ...valid, Twiml: `<Response><Say>${'a'.repeat(4000)}</Say></Response>` },
      400,
    ],
    ['malformed Twiml', { ...valid, Twiml: '<Response><Say>Hi</Response>' }, 12100],
    ['invalid TwiML verb', { ...valid, Twiml: '<Response><Dial>+15550000000</Dial></Response>' }, 12200],
    ['Timeout 0', { ...valid, Timeout: '0' }, 400],
    ['Timeout above 600', { ...valid, Timeout: '601' }, 400],
    ['invalid StatusCallback', { ...valid, StatusCallback: 'callback' }, 21609],
    ['magic From +15005550001', { ...valid, From: '+15005550001' }, 21212],
    ['magic To +15005550001 (invalid)', { ...valid, To: '+15005550001' }, 21217],
    ['magic To +15005550002 (unreachable)', { ...valid, To: '+15005550002' }, 21214],
    ['magic To +15005550003 (geo permissions)', { ...valid, To: '+15005550003' }, 21215],
    ['magic To +15005550004 (blocked)', { ...valid, To: '+15005550004' }, 21216],
  ];
  for (const [name, params, code] of cases) {
    it(`answers ${code} for ${name}`, () => {
      assert.equal(codeFor(params), code);
    });
  }
});
