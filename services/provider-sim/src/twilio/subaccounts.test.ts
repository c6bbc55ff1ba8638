import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import twilio from 'twilio';
import {
  basicAuth,
  obj,
  postForm,
  request,
  startTestSimulator,
  type TestSimulator,
} from '../testing/harness.ts';

/**
 * An MSP's Twilio: one main account, a subaccount per customer. Each sends with its own credentials and signs its
 * own callbacks; the main account suspends one through Twilio's Accounts API, and only that one is refused.
 */
const ACME = { accountSid: `AC${'a1'.repeat(16)}`, authToken: 'acme-subaccount-token', friendlyName: 'acme' };
const GLOBEX = {
  accountSid: `AC${'b2'.repeat(16)}`,
  authToken: 'globex-subaccount-token',
  friendlyName: 'globex',
};
const SMS = { To: '+15551234567', From: '+15557654321', Body: 'Your verification code is 482913' };

describe('Twilio subaccounts', () => {
  let t: TestSimulator;
  const url = (sid: string, rest = '') => `${t.url}/2010-04-01/Accounts/${sid}${rest}`;
  const send = (account: { accountSid: string; authToken: string }, statusCallback?: string) =>
    postForm(
      url(account.accountSid, '/Messages.json'),
      { ...SMS, ...(statusCallback ? { StatusCallback: statusCallback } : {}) },
      { authorization: basicAuth(account.accountSid, account.authToken) },
    );

  before(async () => {
    t = await startTestSimulator({ twilio: { subaccounts: [ACME, GLOBEX] } });
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.twilioAccounts.reactivateAll();
  });

  it("each subaccount sends with its own credentials, never another one's", async () => {
    const acme = await send(ACME);
    assert.equal(acme.status, 201);
    assert.equal(obj(acme.body).account_sid, ACME.accountSid);
    const crossed = await postForm(url(GLOBEX.accountSid, '/Messages.json'), SMS, {
      authorization: basicAuth(ACME.accountSid, ACME.authToken),
    });
    assert.equal(crossed.status, 401);
    assert.equal(obj(crossed.body).code, 20003);
    // A message is fetched only through the account that sent it.
    const sid = String(obj(acme.body).sid);
    const other = await request(url(GLOBEX.accountSid, `/Messages/${sid}.json`), {
      headers: { authorization: basicAuth(GLOBEX.accountSid, GLOBEX.authToken) },
    });
    assert.equal(other.status, 404);
    assert.equal(t.sim.store.findBySid(sid)?.accountSid, ACME.accountSid);
  });

  it("signs each subaccount's callbacks with that subaccount's token", async () => {
    const received: Array<{ signature: string; params: Record<string, string>; url: string }> = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({
          signature: String(req.headers['x-twilio-signature'] ?? ''),
          params: Object.fromEntries(new URLSearchParams(body)),
          url: `http://127.0.0.1:${(server.address() as { port: number }).port}${req.url}`,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      await send(GLOBEX, `http://127.0.0.1:${port}/v1/callbacks/globex/twilio/messages`);
      await t.sim.callbacks.idle();
      assert.ok(received.length >= 1);
      for (const callback of received) {
        assert.equal(callback.params.AccountSid, GLOBEX.accountSid);
        assert.ok(
          twilio.validateRequest(GLOBEX.authToken, callback.signature, callback.url, callback.params),
        );
        assert.ok(
          !twilio.validateRequest(t.sim.twilio.authToken, callback.signature, callback.url, callback.params),
        );
      }
      // The inbox shows which tenant (from byot's callback path) and which account sent it.
      const inbox = await request(`${t.url}/`);
      assert.match(String(inbox.body), /globex · globex \(…b2b2\)/);
    } finally {
      server.close();
    }
  });

  it('the main account suspends one subaccount through the Accounts API: that one gets 401/20003, the others go on', async () => {
    const main = { authorization: t.authorization };
    const suspended = await postForm(url(ACME.accountSid, '.json'), { Status: 'suspended' }, main);
    assert.equal(suspended.status, 200);
    assert.deepEqual(
      { ...obj(suspended.body), uri: undefined },
      {
        sid: ACME.accountSid,
        owner_account_sid: t.sim.twilio.accountSid,
        friendly_name: 'acme',
        status: 'suspended',
        type: 'Full',
        uri: undefined,
      },
    );
    const refused = await send(ACME);
    assert.equal(refused.status, 401);
    assert.equal(obj(refused.body).code, 20003);
    assert.equal((await send(GLOBEX)).status, 201);
    const viaMain = await postForm(url(ACME.accountSid, '/Messages.json'), SMS, main);
    assert.equal(viaMain.status, 401, 'a suspended subaccount is refused however it is reached');
    const accounts = obj((await request(`${t.url}/sim/accounts`)).body).twilio as Array<
      Record<string, string>
    >;
    assert.deepEqual(
      accounts.map((a) => `${a.friendlyName}:${a.status}`),
      ['main account:active', 'acme:suspended', 'globex:active'],
    );
    const refusedRecord = t.sim.store.query({ outcome: 'rejected' }).at(-1);
    assert.match(String((refusedRecord as { errorMessage?: string })?.errorMessage), /is suspended/);

    // A subaccount may not change its own status; the main account reactivates it.
    const self = await postForm(
      url(GLOBEX.accountSid, '.json'),
      { Status: 'suspended' },
      {
        authorization: basicAuth(GLOBEX.accountSid, GLOBEX.authToken),
      },
    );
    assert.equal(self.status, 400);
    const bad = await postForm(url(ACME.accountSid, '.json'), { Status: 'paused' }, main);
    assert.equal(bad.status, 400);
    assert.equal((await postForm(url(ACME.accountSid, '.json'), { Status: 'active' }, main)).status, 200);
    assert.equal((await send(ACME)).status, 201);
  });

  it('the Account resource is readable by itself and its owner only', async () => {
    const own = await request(url(GLOBEX.accountSid, '.json'), {
      headers: { authorization: basicAuth(GLOBEX.accountSid, GLOBEX.authToken) },
    });
    assert.equal(obj(own.body).friendly_name, 'globex');
    assert.equal(obj(own.body).auth_token, undefined, 'the token is never echoed');
    const sibling = await request(url(GLOBEX.accountSid, '.json'), {
      headers: { authorization: basicAuth(ACME.accountSid, ACME.authToken) },
    });
    assert.equal(sibling.status, 404);
  });
});
