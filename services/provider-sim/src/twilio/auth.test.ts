import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuth } from '../testing/harness.ts';
import { checkTwilioAuth, parseBasicAuth } from './auth.ts';

const account = { accountSid: `AC${'0'.repeat(32)}`, authToken: 'tok:en' };
const path = `/2010-04-01/Accounts/${account.accountSid}/Messages.json`;

describe('Twilio authentication', () => {
  it('parses Basic credentials whose password contains a colon', () => {
    assert.deepEqual(parseBasicAuth(basicAuth('AC1', 'a:b:c')), { username: 'AC1', password: 'a:b:c' });
    assert.equal(parseBasicAuth('Bearer abc'), null);
    assert.equal(parseBasicAuth(undefined), null);
    assert.equal(parseBasicAuth(`Basic ${Buffer.from('no-colon').toString('base64')}`), null);
  });

  it('accepts the account credentials for its own path', () => {
    assert.equal(
      checkTwilioAuth(basicAuth(account.accountSid, 'tok:en'), account.accountSid, path, account),
      null,
    );
  });

  it('answers 401/20003 without or with wrong credentials', () => {
    for (const header of [
      undefined,
      basicAuth(account.accountSid, 'wrong'),
      basicAuth(`AC${'1'.repeat(32)}`, 'tok:en'),
    ]) {
      const error = checkTwilioAuth(header, account.accountSid, path, account);
      assert.equal(error?.status, 401);
      assert.equal(error?.code, 20003);
      assert.equal(error?.message, 'Authenticate');
      assert.equal(error?.headers?.['WWW-Authenticate'], 'Basic realm="Twilio API"');
    }
  });

  it('answers 404/20404 for a malformed path account and 401/20003 for another account', () => {
    const good = basicAuth(account.accountSid, 'tok:en');
    const malformed = checkTwilioAuth(good, 'null', '/2010-04-01/Accounts/null/Messages.json', account);
    assert.equal(malformed?.status, 404);
    assert.equal(malformed?.code, 20404);
    assert.equal(
      malformed?.message,
      'The requested resource /2010-04-01/Accounts/null/Messages.json was not found',
    );
    const other = checkTwilioAuth(good, `AC${'2'.repeat(32)}`, path, account);
    assert.equal(other?.status, 401);
    assert.match(other?.detail ?? '', /not the account these credentials belong to/);
  });
});
