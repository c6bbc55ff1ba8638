/**
 * okta-sim's sandbox sign-in page in a real browser (Playwright driving Debian's chromium, no script on the page:
 * forms only), with byot and the provider simulator as real processes: after `byot-okta setup`, a person opens
 * the page, enrolls a phone, reads the SMS that went through byot in the provider simulator's inbox, types the
 * code and is verified; then signs in, gets a second code the same way, and is signed in.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type ManagedProcess, type RunningSystem, startSystem } from '@byot/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { codeInInbox, runOktaCommand, startOktaSim } from './okta.ts';
import { testPhone } from './system.ts';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// As tests/console: no sandbox (root), no GPU, no background connections on a closed network.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const API_TOKEN = '00e2e-okta-sim-page-token-0123456789';
const LOGIN = 'page.user@example.com';

describe("okta-sim's sandbox page in chromium: enroll, code through byot, verify; sign in the same way", {
  skip: !existsSync(CHROMIUM_PATH) && `no chromium at ${CHROMIUM_PATH} (apt-get install chromium)`,
}, () => {
  let system: RunningSystem;
  let okta: ManagedProcess;
  let orgUrl: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    system = await startSystem({ logLevel: 'info' });
    ({ process: okta, orgUrl } = await startOktaSim(API_TOKEN, { OKTA_SIM_INBOX_URL: `${system.simUrl}/` }));
    const setup = await runOktaCommand(['setup', '--hook-url', system.hookUrl, '--user', LOGIN], {
      OKTA_ORG_URL: orgUrl,
      OKTA_API_TOKEN: API_TOKEN,
      OKTA_HOOK_AUTH_HEADER: system.env.OKTA_HOOK_AUTH_HEADER ?? 'authorization',
      OKTA_HOOK_AUTH_SECRET: system.hookSecret,
    });
    assert.equal(setup.code, 0, setup.err + setup.out);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
    page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await okta?.stop();
    await system?.stop();
  });

  /** The waiting code of the newest challenge: its row's Verify form. */
  const verifyForm = () =>
    page
      .locator('form[action$="/verify"]')
      .filter({ has: page.locator('input[name="code"]') })
      .first();

  it('enrolls a phone on the page, reads the code from the inbox, verifies it', async () => {
    await page.goto(`${orgUrl}/sandbox`);
    assert.equal(await page.title(), 'Okta simulator — sandbox sign-in');
    const row = page.locator('tr', { has: page.locator(`input[type="hidden"][value="${LOGIN}"]`) }).first();
    const phone = testPhone();
    const since = Date.now();
    await row.locator('input[name="phoneNumber"]').fill(phone);
    await row.getByRole('button', { name: 'Enroll phone' }).click();
    await page.waitForURL(/\/sandbox\?/);
    assert.equal(await verifyForm().count(), 1, 'a code is waiting');
    assert.match(
      (await page.locator('body').textContent()) ?? '',
      /hook "byot telephony hook"/,
      'sent by the hook, not by Okta',
    );
    const code = await codeInInbox(system, phone, since);
    // A wrong code first: refused, and the challenge still waits.
    await verifyForm()
      .locator('input[name="code"]')
      .fill(code === '000000' ? '111111' : '000000');
    await verifyForm().getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/sandbox\?/);
    assert.match((await page.locator('.bad.box').textContent()) ?? '', /Refused/);
    await verifyForm().locator('input[name="code"]').fill(code);
    await verifyForm().getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/sandbox\?/);
    assert.equal(await page.locator('.ok.box').textContent(), `Verified: ${LOGIN}'s enrollment is complete.`);

    // Sign in: the rule at priority 1 asks for the enrolled phone; a second code, through byot again.
    const signInSince = Date.now();
    await page
      .locator('tr', { has: page.locator(`input[type="hidden"][value="${LOGIN}"]`) })
      .first()
      .getByRole('button', { name: 'Sign in' })
      .click();
    await page.waitForURL(/\/sandbox\?/);
    const second = await codeInInbox(system, phone, signInSince);
    await verifyForm().locator('input[name="code"]').fill(second);
    await verifyForm().getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/sandbox\?/);
    assert.equal(await page.locator('.ok.box').textContent(), `Verified: ${LOGIN}'s mfa is complete.`);
    const own = (await (await fetch(`${orgUrl}/sandbox/api/okta-deliveries`)).json()) as unknown[];
    assert.equal(own.length, 0, 'Okta sent nothing itself: every code went through byot');
    assert.deepEqual(problems, []);
  });
});
