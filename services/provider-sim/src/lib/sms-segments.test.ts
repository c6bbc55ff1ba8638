import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countSegments } from './sms-segments.ts';

describe('countSegments', () => {
  it('fits 160 GSM-7 characters in one segment and splits longer bodies in 153-septet parts', () => {
    assert.deepEqual(countSegments('a'.repeat(160)), { encoding: 'GSM-7', units: 160, segments: 1 });
    assert.equal(countSegments('a'.repeat(161)).segments, 2);
    assert.equal(countSegments('a'.repeat(306)).segments, 2);
    assert.equal(countSegments('a'.repeat(307)).segments, 3);
  });

  it('counts extension-table characters as two septets', () => {
    assert.deepEqual(countSegments('€'.repeat(80)), { encoding: 'GSM-7', units: 160, segments: 1 });
    assert.equal(countSegments(`${'€'.repeat(80)}a`).segments, 2);
  });

  it('treats accented GSM letters as GSM-7 and anything else as UCS-2 (70, then 67 per part)', () => {
    assert.equal(countSegments('Votre code: 123456 — é').encoding, 'UCS-2'); // the em dash is not GSM
    assert.equal(countSegments('Ihr Code lautet 123456. Gültig: 5 Min.').encoding, 'GSM-7');
    assert.deepEqual(countSegments('ж'.repeat(70)), { encoding: 'UCS-2', units: 70, segments: 1 });
    assert.equal(countSegments('ж'.repeat(71)).segments, 2);
    assert.equal(countSegments('ж'.repeat(135)).segments, 3);
  });

  it('counts an emoji as two UTF-16 units and an empty body as one message', () => {
    assert.equal(countSegments('😀').units, 2);
    assert.equal(countSegments('').segments, 1);
  });
});
