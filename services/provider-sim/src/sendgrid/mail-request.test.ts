import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateMailRequest } from './mail-request.ts';

const MAIL = {
  personalizations: [{ to: [{ email: 'person@example.com' }] }],
  from: { email: 'no-reply@byot.example', name: 'Sign-in' },
  subject: 'Your code',
  content: [
    { type: 'text/plain', value: 'Your code is 482913' },
    { type: 'text/html', value: '<p>Your code is <b>482913</b></p>' },
  ],
};

function fields(body: unknown): (string | null)[] {
  const result = validateMailRequest(body);
  assert.equal(result.ok, false, JSON.stringify(body));
  return result.ok ? [] : result.error.errors.map((e) => e.field);
}

describe('validateMailRequest', () => {
  it('accepts a plain mail and keeps text, html and every recipient', () => {
    const result = validateMailRequest({
      ...MAIL,
      personalizations: [{ to: [{ email: 'person@example.com' }], cc: [{ email: 'copy@example.com' }] }],
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      from: 'no-reply@byot.example',
      to: 'person@example.com',
      recipients: ['person@example.com', 'copy@example.com'],
      subject: 'Your code',
      text: 'Your code is 482913',
      html: '<p>Your code is <b>482913</b></p>',
    });
  });

  it('takes the subject of the personalization over the top-level one', () => {
    const result = validateMailRequest({
      ...MAIL,
      personalizations: [{ to: [{ email: 'person@example.com' }], subject: 'Personal' }],
    });
    assert.ok(result.ok && result.value.subject === 'Personal');
  });

  it('reports every problem with its field', () => {
    assert.deepEqual(fields({ ...MAIL, from: undefined }), ['from']);
    assert.deepEqual(fields({ ...MAIL, from: { email: 'not-an-address' } }), ['from.email']);
    assert.deepEqual(fields({ ...MAIL, personalizations: [{ to: [{ email: 'x' }] }] }), [
      'personalizations.0.to.0.email',
    ]);
    assert.deepEqual(fields({ ...MAIL, personalizations: [] }), ['personalizations']);
    assert.deepEqual(fields({ ...MAIL, subject: undefined }), ['subject']);
    assert.deepEqual(fields({ ...MAIL, content: [] }), ['content']);
    assert.deepEqual(fields({ ...MAIL, content: [{ type: 'text/plain', value: '' }] }), ['content.0.value']);
    assert.deepEqual(fields({ ...MAIL, content: [...MAIL.content].reverse() }), ['content.0.type']);
    assert.deepEqual(
      fields({ ...MAIL, personalizations: [{ to: [{ email: 'a@b.co' }], bcc: [{ email: 'A@b.co' }] }] }),
      ['personalizations'],
    );
    assert.deepEqual(fields({ ...MAIL, text: 'x' }), [null]);
    assert.deepEqual(fields('nope'), [null]);
  });
});
