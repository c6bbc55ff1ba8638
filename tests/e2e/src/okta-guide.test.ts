/**
 * The MSP guide end to end, with every party a real process: `byot-okta setup` configures the Okta simulator's
 * org, a simulated user enrolls a phone there, okta-sim calls byot's hook as Okta would, the code lands in the
 * provider simulator's inbox, the user types it back and is verified. Then `status` (no drift, then drift
 * after a change) and `verify` (execute + byot's ledger).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ManagedProcess, type RunningSystem, startSystem } from '@byot/testkit';
import { codeInInbox as inboxCode, oktaSandbox, runOktaCommand, startOktaSim } from './okta.ts';
import { testPhone } from './system.ts';

const API_TOKEN = '00e2e-okta-sim-api-token-0123456789';

let system: RunningSystem;
let okta: ManagedProcess;
let orgUrl: string;

before(async () => {
  system = await startSystem({ logLevel: 'info' });
  ({ process: okta, orgUrl } = await startOktaSim(API_TOKEN));
});
after(async () => {
  await okta?.stop();
  await system?.stop();
});

const runOkta = (args: string[], env: Record<string, string> = {}) =>
  runOktaCommand(args, {
    OKTA_ORG_URL: orgUrl,
    OKTA_API_TOKEN: API_TOKEN,
    OKTA_HOOK_AUTH_HEADER: system.env.OKTA_HOOK_AUTH_HEADER ?? 'authorization',
    OKTA_HOOK_AUTH_SECRET: system.hookSecret,
    ...env,
  });
const sandbox = (path: string, body: unknown) => oktaSandbox(orgUrl, path, body);
const codeInInbox = (phone: string, since: number) => inboxCode(system, phone, since);

describe('the guide, end to end: byot-okta setup → enroll in okta-sim → code through byot → verified', () => {
  it('header authentication: setup, enrollment, sign-in; status clean, then drift; verify reads the ledger', async () => {
    const setup = await runOkta(['setup', '--hook-url', system.hookUrl, '--user', 'test.user@example.com']);
    assert.equal(setup.code, 0, setup.err + setup.out);
    assert.match(setup.out, /\+ created +telephony inline hook/);
    assert.doesNotMatch(
      setup.out,
      /OKTA_HOOK_AUTH_SECRET=/,
      "byot's own secret is used, not a generated one",
    );
    const again = await runOkta(['setup', '--hook-url', system.hookUrl, '--user', 'test.user@example.com']);
    assert.match(again.out, /nothing to change/);

    const phone = testPhone();
    const since = Date.now();
    const enroll = await sandbox('enroll', { login: 'test.user@example.com', phoneNumber: phone });
    assert.equal(enroll.status, 200, JSON.stringify(enroll.body));
    const challenge = enroll.body.challenge;
    assert.equal(challenge.sender.by, 'hook', "Okta took byot's answer: no fallback");
    assert.equal(challenge.hookCall.httpStatus, 200);
    assert.equal(challenge.hookCall.auth, 'header');
    assert.match(challenge.hookCall.reading.status, /SUCCESSFUL|PENDING/);
    const code = await codeInInbox(phone, since);
    const wrong = await sandbox(`challenges/${challenge.id}/verify`, {
      code: code === '000000' ? '111111' : '000000',
    });
    assert.equal(wrong.body.verified, false);
    const right = await sandbox(`challenges/${challenge.id}/verify`, { code });
    assert.equal(right.body.verified, true, JSON.stringify(right.body));
    const own = (await (await fetch(`${orgUrl}/sandbox/api/okta-deliveries`)).json()) as unknown[];
    assert.equal(own.length, 0, 'Okta sent nothing itself: one delivery, by byot');

    // Sign-in: the rule at priority 1 asks for the phone.
    const signInSince = Date.now();
    const signIn = await sandbox('sign-in', { login: 'test.user@example.com' });
    assert.equal(signIn.body.challenge.requestType, 'com.okta.user.telephony.mfa-verification');
    const mfaCode = await codeInInbox(phone, signInSince);
    assert.equal(
      (await sandbox(`challenges/${signIn.body.challenge.id}/verify`, { code: mfaCode })).body.verified,
      true,
    );

    const clean = await runOkta(['status']);
    assert.equal(clean.code, 0, clean.out + clean.err);
    assert.match(clean.out, /no drift/);

    const verify = await runOkta(['verify', '--phone', testPhone()], { ADMIN_TOKEN: system.adminToken });
    assert.equal(verify.code, 0, verify.out + verify.err);
    assert.match(verify.out, /Okta would: record (delivery by TWILIO|the code as sent)/);
    assert.match(verify.out, /byot's ledger: (delivered|pending)/);

    // A change made by hand in the org: the hook deactivated. status sees it; setup puts it back.
    const hooks = (await (
      await fetch(`${orgUrl}/api/v1/inlineHooks`, { headers: { authorization: `SSWS ${API_TOKEN}` } })
    ).json()) as { id: string }[];
    await fetch(`${orgUrl}/api/v1/inlineHooks/${hooks[0]?.id}/lifecycle/deactivate`, {
      method: 'POST',
      headers: { authorization: `SSWS ${API_TOKEN}` },
    });
    const drift = await runOkta(['status']);
    assert.equal(drift.code, 1);
    assert.match(drift.out, /! differs +telephony inline hook[\s\S]*status INACTIVE/);
    const fallback = await sandbox('sign-in', { login: 'test.user@example.com' });
    assert.equal(fallback.body.challenge.sender.by, 'okta', 'no active hook: Okta sends the code itself');
    assert.equal((await runOkta(['setup', '--hook-url', system.hookUrl])).code, 0);
    assert.equal((await runOkta(['status'])).code, 0);
  });
});
