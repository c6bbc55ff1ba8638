import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSmsRequest } from './sms-request.ts';

const BASE = { from: 'ACME', to: '15551234567', text: 'Your code is 482913' };

function validate(params: Record<string, string>) {
  return validateSmsRequest(new Map(Object.entries(params)));
}

function refusal(params: Record<string, string>): { status: number; text: string } {
  const result = validate(params);
  assert.equal(result.ok, false, JSON.stringify(params));
  return result.ok ? { status: 0, text: '' } : result.refusal;
}

describe('validateSmsRequest', () => {
  it('accepts a plain request and counts its segments', () => {
    const result = validate({
      ...BASE,
      ttl: '300000',
      callback: 'http://127.0.0.1:9/dlr',
      'client-ref': 'ev-1',
    });
    assert.ok(result.ok);
    assert.equal(result.value.type, 'text');
    assert.equal(result.value.segments.segments, 1);
    assert.equal(result.value.ttlMs, 300_000);
    assert.equal(result.value.callback, 'http://127.0.0.1:9/dlr');
    assert.equal(result.value.clientRef, 'ev-1');
    assert.deepEqual(result.value.warnings, []);
  });

  it('reports missing parameters with status 2 and Vonage-like texts', () => {
    assert.deepEqual(refusal({ to: BASE.to, text: 'x' }), { status: 2, text: 'Missing from param' });
    assert.deepEqual(refusal({ from: 'ACME', text: 'x' }), { status: 2, text: 'Missing to param' });
    assert.deepEqual(refusal({ from: 'ACME', to: BASE.to }), { status: 2, text: 'Missing text param' });
  });

  it('wants E.164 without "+" in to (status 3) and a valid sender (status 15)', () => {
    assert.equal(refusal({ ...BASE, to: '+15551234567' }).status, 3);
    assert.match(refusal({ ...BASE, to: '+15551234567' }).text, /without the leading '\+'/);
    assert.equal(refusal({ ...BASE, to: '0555' }).status, 3);
    assert.equal(refusal({ ...BASE, from: '+15557654321' }).status, 15);
    assert.equal(refusal({ ...BASE, from: 'A very long sender' }).status, 15);
  });

  it('checks ttl, type, client-ref, callback and unknown parameters', () => {
    assert.equal(refusal({ ...BASE, ttl: '19999' }).status, 3);
    assert.equal(refusal({ ...BASE, ttl: '604800001' }).status, 3);
    assert.equal(refusal({ ...BASE, ttl: '3e5' }).status, 3);
    assert.equal(refusal({ ...BASE, type: 'binary' }).status, 3);
    assert.equal(refusal({ ...BASE, 'client-ref': 'x'.repeat(41) }).status, 3);
    assert.equal(refusal({ ...BASE, callback: 'ftp://example.com/x' }).status, 23);
    assert.equal(refusal({ ...BASE, callback: `https://example.com/${'a'.repeat(100)}` }).status, 23);
    const unknown = refusal({ ...BASE, client_ref: 'x' });
    assert.equal(unknown.status, 3);
    assert.match(unknown.text, /unknown parameter client_ref/);
    assert.equal(refusal({ ...BASE, text: 'x'.repeat(3201) }).status, 12);
  });

  it('counts unicode segments (70, then 67) and warns about non-GSM text sent as type text', () => {
    const unicode = validate({ ...BASE, type: 'unicode', text: 'ж'.repeat(71) });
    assert.ok(unicode.ok);
    assert.equal(unicode.value.segments.segments, 2);
    const garbled = validate({ ...BASE, text: 'Ваш код 482913' });
    assert.ok(garbled.ok);
    assert.match(garbled.value.warnings.join(), /outside the GSM-7 alphabet/);
    const long = validate({ ...BASE, text: 'a'.repeat(161) });
    assert.ok(long.ok);
    assert.equal(long.value.segments.segments, 2);
  });

  it('honours the magic numbers', () => {
    assert.equal(refusal({ ...BASE, to: '15005550001' }).status, 3);
    assert.equal(refusal({ ...BASE, to: '15005550002' }).status, 6);
    assert.equal(refusal({ ...BASE, to: '15005550003' }).status, 7);
    assert.equal(refusal({ ...BASE, to: '15005550004' }).status, 29);
    assert.equal(refusal({ ...BASE, to: '15005550005' }).status, 33);
    assert.equal(refusal({ ...BASE, from: '15005550001' }).status, 15);
    assert.equal(refusal({ ...BASE, from: '15005550007' }).status, 8);
    assert.equal(refusal({ ...BASE, from: '15005550008' }).status, 9);
  });
});
