import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smsText } from './sms-text.ts';

describe('smsText', () => {
  it("uses Okta's rendered text when it carries the code", () => {
    assert.equal(smsText('11111', '(HOOK)Your code is 11111', 'Code: {code}'), '(HOOK)Your code is 11111');
  });
  it('falls back to the template when Okta sent no text or a text without the code', () => {
    assert.equal(smsText('482913', undefined, 'Code: {code}'), 'Code: 482913');
    assert.equal(
      smsText('482913', 'Your code is {{code}}', 'Code: {code} ({code})'),
      'Code: 482913 (482913)',
    );
  });
});
