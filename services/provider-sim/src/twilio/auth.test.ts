import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuth } from '../testing/harness.ts';
import { TwilioAccounts } from './accounts.ts';
import { authorizeTwilio, checkTwilioAuth, parseBasicAuth } from './auth.ts';

const main = { accountSid: `AC${'0'.repeat(32)}`, authToken: 'tok:en' };
const sub = { accountSid: `AC${'3'.repeat(32)}`, authToken: 'sub-token', friendlyName: 'acme' };
const account = new TwilioAccounts(main, [sub]);
const path = `/2010-04-01/Accounts/${main.accountSid}/Messages.json`;

describe('Twilio authentication', () => {
  it('parses Basic credentials whose password contains a colon', () => {
    assert.deepEqual(parseBasicAuth(basicAuth('AC1', 'a:b:c')), { username: 'AC1', password: 'a:b:c' });
    assert.equal(parseBasicAuth('Bearer abc'), null);
    assert.equal(parseBasicAuth(undefined), null);
    assert.equal(parseBasicAuth(`Basic ${Buffer.from('no-colon').toString('base64')}`), null);
  });

  it('accepts the account credentials for its own path', () => {
    assert.equal(checkTwilioAuth(basicAuth(main.accountSid, 'tok:en'), main.accountSid, path, account), null);
  });

  it('answers 401/20003 without or with wrong credentials', () => {
    for (const header of [
      undefined,
      basicAuth(main.accountSid, 'wrong'),
      basicAuth(sub.accountSid, 'tok:en'),
      basicAuth(`AC${'1'.repeat(32)}`, 'tok:en'),
    ]) {
      const error = checkTwilioAuth(header, main.accountSid, path, account);
      assert.equal(error?.status, 401);
      assert.equal(error?.code, 20003);
      assert.equal(error?.message, 'Authenticate');
      assert.equal(error?.headers?.['WWW-Authenticate'], 'Basic realm="Twilio API"');
    }
  });

  it('answers 404/20404 for a malformed path account and 401/20003 for another account', () => {
    const good = basicAuth(main.accountSid, 'tok:en');
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

  it('authenticates each subaccount with its own token; the main account may act on it, not the reverse', () => {
    const subPath = `/2010-04-01/Accounts/${sub.accountSid}/Messages.json`;
    const own = authorizeTwilio(basicAuth(sub.accountSid, 'sub-token'), sub.accountSid, subPath, account);
    assert.equal(own.ok && own.account.friendlyName, 'acme');
    const byMain = authorizeTwilio(basicAuth(main.accountSid, 'tok:en'), sub.accountSid, subPath, account);
    assert.equal(byMain.ok && byMain.account.accountSid, sub.accountSid);
    const upwards = checkTwilioAuth(basicAuth(sub.accountSid, 'sub-token'), main.accountSid, path, account);
    assert.equal(upwards?.status, 401);
  });

  it('refuses a suspended subaccount with 401/20003, and only that one', () => {
    const accounts = new TwilioAccounts(main, [sub]);
    accounts.setStatus(sub.accountSid, 'suspended');
    const subPath = `/2010-04-01/Accounts/${sub.accountSid}/Messages.json`;
    const refused = checkTwilioAuth(
      basicAuth(sub.accountSid, 'sub-token'),
      sub.accountSid,
      subPath,
      accounts,
    );
    assert.equal(refused?.status, 401);
    assert.equal(refused?.code, 20003);
    assert.match(refused?.detail ?? '', /is suspended/);
    assert.equal(
      checkTwilioAuth(basicAuth(main.accountSid, 'tok:en'), main.accountSid, path, accounts),
      null,
    );
  });
});
