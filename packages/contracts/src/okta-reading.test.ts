import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oktaCommands, oktaError } from './okta-hook.ts';
import { describeOktaReading, readOktaAnswer } from './okta-reading.ts';

describe('readOktaAnswer (what Okta makes of our answer)', () => {
  it('takes a 200 with a known status, with its provider and transaction id', () => {
    const reading = readOktaAnswer(
      200,
      oktaCommands({ status: 'SUCCESSFUL', provider: 'TWILIO', transactionId: 'SM1' }),
    );
    assert.deepEqual(reading, {
      kind: 'taken',
      status: 'SUCCESSFUL',
      provider: 'TWILIO',
      transactionId: 'SM1',
    });
    assert.match(describeOktaReading(reading), /record delivery by TWILIO \(SM1\); no fallback/);
    assert.equal(readOktaAnswer(200, oktaCommands({ status: 'PENDING' })).kind, 'taken');
    assert.equal(readOktaAnswer(200, oktaCommands({ status: 'FAILED' })).kind, 'taken');
  });

  it('falls back on no answer, a non-200, an error object or a malformed body', () => {
    assert.deepEqual(readOktaAnswer(undefined, undefined), {
      kind: 'fallback',
      reason: 'timeout',
      detail: 'no answer within 3 s',
    });
    assert.deepEqual(readOktaAnswer(503, oktaCommands({ status: 'SUCCESSFUL' })), {
      kind: 'fallback',
      reason: 'http-status',
      detail: 'HTTP 503',
    });
    const error = readOktaAnswer(200, oktaError('number refused'));
    assert.deepEqual(error, { kind: 'fallback', reason: 'error-object', detail: 'number refused' });
    assert.match(describeOktaReading(error), /fall back to its own providers/);
    assert.equal(
      (readOktaAnswer(200, { error: {} }) as { detail: string }).detail,
      'The callback service returned an error',
    );
    for (const body of [
      'text',
      [],
      {},
      { commands: [] },
      { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'DONE' }] }] },
      { commands: [{ type: 'other', value: [{ status: 'SUCCESSFUL' }] }] },
    ]) {
      assert.equal(readOktaAnswer(200, body).kind, 'fallback', JSON.stringify(body));
    }
  });
});
