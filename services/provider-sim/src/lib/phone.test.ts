import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callbackUrlProblem } from './callback-url.ts';
import { maskPhone } from './mask.ts';
import { formatForDisplay, isE164, isSmsSender } from './phone.ts';

describe('phone numbers', () => {
  it('accepts E.164 only', () => {
    for (const good of ['+15551234567', '+4915112345678', '+2901234']) assert.ok(isE164(good), good);
    for (const bad of [
      '15551234567',
      '+0555123456',
      '+1 555 123 4567',
      '+1234567890123456',
      '+12345',
      'whatsapp:+15551234567',
    ]) {
      assert.ok(!isE164(bad), bad);
    }
  });

  it('accepts phone numbers, short codes and alphanumeric sender IDs as SMS senders', () => {
    for (const good of ['+15551234567', '12345', 'ACME', 'Acme Bank 1']) assert.ok(isSmsSender(good), good);
    for (const bad of ['123456789', 'Acme-Bank', 'A very long sender']) assert.ok(!isSmsSender(bad), bad);
  });

  it('formats North American numbers like Twilio and leaves others alone', () => {
    assert.equal(formatForDisplay('+14158675309'), '(415) 867-5309');
    assert.equal(formatForDisplay('+4915112345678'), '+4915112345678');
  });

  it('masks numbers for logs', () => {
    assert.equal(maskPhone('+15551234567'), '+15…67');
    assert.equal(maskPhone(null), '-');
    assert.equal(maskPhone('12345'), '…');
  });
});

describe('callbackUrlProblem', () => {
  const messages = { allowUnderscoreInHost: false };
  it('accepts absolute http and https URLs', () => {
    assert.equal(callbackUrlProblem('https://hooks.example.com/twilio/status?x=1', messages), null);
    assert.equal(callbackUrlProblem('http://127.0.0.1:8080/s', messages), null);
  });

  it('explains what is wrong with anything else', () => {
    assert.equal(callbackUrlProblem('/relative/path', messages), 'not an absolute URL');
    assert.equal(callbackUrlProblem('ftp://example.com/x', messages), 'not an http or https URL');
    assert.equal(
      callbackUrlProblem(`https://example.com/${'a'.repeat(4000)}`, messages),
      'longer than 4000 characters',
    );
    assert.equal(
      callbackUrlProblem('https://my_host.example.com/s', messages),
      'underscores are not allowed in the host name',
    );
    assert.equal(callbackUrlProblem('https://my_host.example.com/s', { allowUnderscoreInHost: true }), null);
  });
});
