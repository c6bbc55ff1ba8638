import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCallRequest } from './call-request.ts';

const CALL = {
  to: [{ type: 'phone', number: '15551234567' }],
  from: { type: 'phone', number: '15557654321' },
  ncco: [{ action: 'talk', text: 'Your code is 4 8 2 9 1 3', language: 'de-DE', style: 2, loop: 3 }],
  event_url: ['http://127.0.0.1:9/events'],
  ringing_timer: 30,
};

function invalid(body: unknown): { name: string; reason: string }[] {
  const result = validateCallRequest(body);
  assert.equal(result.ok, false, JSON.stringify(body));
  return result.ok ? [] : [...(result.problem.invalidParameters ?? [])];
}

describe('validateCallRequest', () => {
  it('accepts a talk NCCO and reconstructs the speech', () => {
    const result = validateCallRequest(CALL);
    assert.ok(result.ok);
    const call = result.value;
    assert.equal(call.to, '15551234567');
    assert.equal(call.from, '15557654321');
    assert.equal(call.eventUrl, 'http://127.0.0.1:9/events');
    assert.equal(call.eventMethod, 'POST');
    assert.equal(call.ringingTimer, 30);
    assert.equal(call.lengthTimer, 7200);
    assert.equal(call.speech?.text, Array(3).fill('Your code is 4 8 2 9 1 3').join(' '));
    assert.equal(call.speech?.language, 'de-DE');
    assert.equal(call.speech?.voice, 'style 2');
    assert.equal(call.speech?.loops, 3);
  });

  it('reads the words of SSML talk text', () => {
    const result = validateCallRequest({
      ...CALL,
      ncco: [
        {
          action: 'talk',
          text: '<speak>Your code is <say-as interpret-as="characters">482913</say-as><break time="1s"/>.</speak>',
        },
      ],
    });
    assert.ok(result.ok);
    assert.equal(result.value.speech?.text, 'Your code is 482913 .');
    assert.equal(result.value.speech?.language, 'en-US');
    assert.match(
      invalid({ ...CALL, ncco: [{ action: 'talk', text: '<speak>unclosed' }] })[0]?.reason ?? '',
      /SSML/,
    );
  });

  it('names every invalid parameter', () => {
    assert.deepEqual(
      invalid({ ...CALL, to: [{ type: 'phone', number: '+15551234567' }] }).map((p) => p.name),
      ['to[0].number'],
    );
    assert.deepEqual(
      invalid({ ...CALL, ringing_timer: 121 }).map((p) => p.name),
      ['ringing_timer'],
    );
    assert.deepEqual(
      invalid({ ...CALL, to: [] }).map((p) => p.name),
      ['to'],
    );
    assert.deepEqual(
      invalid({ ...CALL, ncco: [{ action: 'talk', text: 'x', language: 'english' }] }).map((p) => p.name),
      ['ncco[0].language'],
    );
    assert.deepEqual(
      invalid({ ...CALL, ncco: [{ action: 'talk', text: 'x', voiceName: 'Kimberly' }] }).map((p) => p.name),
      ['ncco[0]'],
    );
    assert.deepEqual(
      invalid({ ...CALL, ncco: [{ action: 'stream', streamUrl: ['x'] }] }).map((p) => p.name),
      ['ncco[0].action'],
    );
    assert.deepEqual(
      [...new Set(invalid({ ...CALL, event_url: 'http://x' }).map((p) => p.name))],
      ['event_url'],
    );
    assert.match(invalid({ ...CALL, eventUrl: ['http://x'] })[0]?.reason ?? '', /eventUrl/);
    assert.deepEqual(
      invalid('not an object').map((p) => p.name),
      ['body'],
    );
  });

  it('wants exactly one of from/random_from_number and of ncco/answer_url', () => {
    const { from: _from, ...noFrom } = CALL;
    assert.deepEqual(
      invalid(noFrom).map((p) => p.name),
      ['from'],
    );
    assert.ok(validateCallRequest({ ...noFrom, random_from_number: true }).ok);
    assert.deepEqual(
      invalid({ ...CALL, answer_url: ['http://127.0.0.1/answer'] }).map((p) => p.name),
      ['ncco'],
    );
    const { ncco: _ncco, ...noNcco } = CALL;
    const byUrl = validateCallRequest({ ...noNcco, answer_url: ['http://127.0.0.1/answer'] });
    assert.ok(byUrl.ok);
    assert.equal(byUrl.value.answerUrl, 'http://127.0.0.1/answer');
    assert.equal(byUrl.value.speech, undefined);
  });

  it('honours the magic numbers', () => {
    const invalidNumber = validateCallRequest({ ...CALL, to: [{ type: 'phone', number: '15005550001' }] });
    assert.ok(!invalidNumber.ok && invalidNumber.problem.status === 400);
    const barred = validateCallRequest({ ...CALL, to: [{ type: 'phone', number: '15005550004' }] });
    assert.ok(!barred.ok && barred.problem.status === 403);
  });
});
