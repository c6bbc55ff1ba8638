import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FormParams } from './form.ts';
import { validateMessageRequest } from './message-request.ts';

const MG = `MG${'1'.repeat(32)}`;
const valid = { To: '+15551234567', From: '+15557654321', Body: 'Your code is 123456' };

function codeFor(params: Record<string, string | string[]>): number | 'ok' {
  const result = validateMessageRequest(FormParams.from(params));
  return result.ok ? 'ok' : result.error.code;
}

describe('validateMessageRequest', () => {
  it('accepts a plain SMS and counts its segments', () => {
    const result = validateMessageRequest(FormParams.from(valid));
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      to: '+15551234567',
      from: '+15557654321',
      messagingServiceSid: null,
      body: 'Your code is 123456',
      mediaUrls: [],
      numSegments: 1,
    });
  });

  it('keeps ValidityPeriod and StatusCallback', () => {
    const result = validateMessageRequest(
      FormParams.from({ ...valid, ValidityPeriod: '300', StatusCallback: 'https://hooks.example.com/s' }),
    );
    assert.ok(result.ok);
    assert.equal(result.value.validityPeriod, 300);
    assert.equal(result.value.statusCallback, 'https://hooks.example.com/s');
  });

  it('accepts a Messaging Service instead of From, and media instead of a body', () => {
    assert.equal(codeFor({ To: valid.To, MessagingServiceSid: MG, Body: 'hi' }), 'ok');
    assert.equal(codeFor({ To: valid.To, From: valid.From, MediaUrl: 'https://x.example/a.png' }), 'ok');
  });

  const cases: [string, Record<string, string | string[]>, number][] = [
    ['missing To', { From: valid.From, Body: 'x' }, 21604],
    ['empty To', { ...valid, To: '' }, 21604],
    ['To without +', { ...valid, To: '15551234567' }, 21211],
    ['neither From nor MessagingServiceSid', { To: valid.To, Body: 'x' }, 21603],
    ['From that is no sender', { ...valid, From: 'not a sender!' }, 21212],
    ['malformed MessagingServiceSid', { To: valid.To, MessagingServiceSid: 'MG123', Body: 'x' }, 21701],
    ['To equal to From', { ...valid, From: valid.To }, 21266],
    ['missing Body', { To: valid.To, From: valid.From }, 21602],
    ['Body over 1600 characters', { ...valid, Body: 'a'.repeat(1601) }, 21617],
    ['ValidityPeriod 0', { ...valid, ValidityPeriod: '0' }, 90014],
    ['ValidityPeriod not a number', { ...valid, ValidityPeriod: '5m' }, 90014],
    ['ValidityPeriod above 36000', { ...valid, ValidityPeriod: '36001' }, 90007],
    ['relative StatusCallback', { ...valid, StatusCallback: '/status' }, 21609],
    ['StatusCallback host with underscore', { ...valid, StatusCallback: 'https://my_host.example/s' }, 21609],
    ['magic To +15005550001 (invalid)', { ...valid, To: '+15005550001' }, 21211],
    ['magic To +15005550002 (unroutable)', { ...valid, To: '+15005550002' }, 21612],
    ['magic To +15005550003 (geo permissions)', { ...valid, To: '+15005550003' }, 21408],
    ['magic To +15005550004 (unsubscribed)', { ...valid, To: '+15005550004' }, 21610],
    ['magic To +15005550009 (not a mobile)', { ...valid, To: '+15005550009' }, 21614],
    ['magic From +15005550001 (invalid)', { ...valid, From: '+15005550001' }, 21212],
    ['magic From +15005550007 (not yours)', { ...valid, From: '+15005550007' }, 21606],
    ['magic From +15005550008 (queue full)', { ...valid, From: '+15005550008' }, 21611],
  ];
  for (const [name, params, code] of cases) {
    it(`answers ${code} for ${name}`, () => {
      assert.equal(codeFor(params), code);
    });
  }

  it('accepts exactly 1600 characters and ValidityPeriod bounds 1 and 36000', () => {
    assert.equal(codeFor({ ...valid, Body: 'a'.repeat(1600) }), 'ok');
    assert.equal(codeFor({ ...valid, ValidityPeriod: '1' }), 'ok');
    assert.equal(codeFor({ ...valid, ValidityPeriod: '36000' }), 'ok');
  });

  it('uses the first value of a repeated single-valued parameter', () => {
    const result = validateMessageRequest(
      FormParams.from({ ...valid, To: ['+15551112222', '+15553334444'] }),
    );
    assert.ok(result.ok);
    assert.equal(result.value.to, '+15551112222');
  });

  it("explains the problem in Twilio's words", () => {
    const result = validateMessageRequest(FormParams.from({ ...valid, To: '555-1234' }));
    assert.ok(!result.ok);
    assert.deepEqual(result.error, {
      status: 400,
      code: 21211,
      message: "The 'To' number 555-1234 is not a valid phone number.",
    });
  });
});
