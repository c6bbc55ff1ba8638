/**
 * The blocks page in a real browser: blocks made by real traffic (the ingress's own fraud controls refusing a
 * number that went over LIMIT_PER_NUMBER), shown masked, lifted by an operator (CSRF-protected POST) and gone;
 * a tenant viewer sees its tenant's blocks only and cannot lift, not even with a hand-made request.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually, getFreePort, oktaHookRequest, type RunningSystem, startSystem } from '@byot/testkit';
import type { Page } from 'playwright-core';
import { type ConsoleBrowser, launchBrowser } from './browser.ts';
import { type LocalConsole, startLocalConsole } from './local-console.ts';

const FRAUD_ENV = { LIMIT_PER_NUMBER: '2/15m' };
const LIFTED = '+12025550133';
const KEPT = '+12025550134';
const VIEWER_TOKEN = randomBytes(24).toString('base64url');
const ACME_TOKEN = randomBytes(24).toString('base64url');

let system: RunningSystem;
let local: LocalConsole;
let browser: ConsoleBrowser;
let consoleUrl: string;

/** Three codes to one number: the third goes over 2/15m and is refused. */
async function overTheLimit(phoneNumber: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    assert.equal((await system.sendHook(oktaHookRequest({ phoneNumber }))).status, 200);
  }
}

async function signIn(url: string, token: string): Promise<void> {
  const { page } = browser;
  // Cookies are per host, not per port: the two consoles here would otherwise share one.
  await browser.context.clearCookies();
  await page.goto(url);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.waitForURL(/\/console$/);
}

async function signOut(): Promise<void> {
  await browser.page.getByRole('button', { name: 'Sign out' }).click();
  await browser.page.getByText('You are signed out.').waitFor();
}

const limitRows = (page: Page) => page.locator('table.blocks[data-kind="limit"] tbody tr[data-block-id]');
const digits = (e164: string) => e164.slice(2);

before(async () => {
  const adminPort = await getFreePort();
  system = await startSystem({
    logLevel: 'info',
    ingressEnv: { ADMIN_PORT: String(adminPort), ...FRAUD_ENV },
  });
  consoleUrl = `http://127.0.0.1:${adminPort}/console`;
  local = await startLocalConsole(
    system,
    { default: VIEWER_TOKEN, acme: ACME_TOKEN },
    { fraudEnv: FRAUD_ENV },
  );
  await overTheLimit(LIFTED);
  await overTheLimit(KEPT);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await local?.stop();
  await system?.stop();
});

describe('blocks page', () => {
  it('shows the limited numbers masked, and an operator lifts one: it is gone', async () => {
    const { page } = browser;
    await signIn(consoleUrl, system.adminToken);
    await page.getByRole('link', { name: 'Blocks' }).click();
    await page.waitForURL(/\/console\/blocks$/);
    await eventually(
      async () => {
        await page.reload();
        assert.equal(await limitRows(page).count(), 2);
      },
      { timeoutMs: 10_000, intervalMs: 500 },
    );
    const labels = await limitRows(page).locator('td.mono').allTextContents();
    // Masked as the fraud controls label them: country code, dots, the last two digits.
    assert.deepEqual(labels.map((l) => l.trim().replace(/•+/, '…')).sort(), ['+1…33', '+1…34']);
    const markup = await page.content();
    for (const number of [LIFTED, KEPT]) {
      assert.ok(!markup.includes(digits(number)), `the page holds the full number ${number}`);
    }
    await browser.screenshot('blocks');

    const row = limitRows(page).filter({ has: page.locator('td.mono', { hasText: /33$/ }) });
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Lift' }).click();
    await page.waitForURL(/\/console\/blocks\?m=lifted$/);
    await page.getByText('Lifted. Codes to it go out again.').waitFor();
    assert.deepEqual(
      (await limitRows(page).locator('td.mono').allTextContents()).map((l) => l.trim().replace(/•+/, '…')),
      ['+1…34'],
    );
    // Lifted for real: the number gets a code again at once.
    const again = await system.sendHook(oktaHookRequest({ phoneNumber: LIFTED }));
    assert.match(JSON.stringify(again.body), /"status":"(SUCCESSFUL|PENDING)"/);
    await signOut();
  });

  it('a tenant viewer sees its own blocks without a lift button, and a forged lift is refused', async () => {
    const { page } = browser;
    await signIn(local.url, VIEWER_TOKEN);
    await page.getByText('viewer · default').waitFor();
    await page.goto(`${local.url}/blocks`);
    assert.equal(await limitRows(page).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Lift' }).count(), 0, 'no lift for a viewer');
    await page.getByText('Only an MSP operator can lift a block.').waitFor();
    await browser.screenshot('blocks-viewer');

    // The request a lift form would send, with this session's own CSRF token: refused by role, in the route.
    const blockId = (await limitRows(page).first().getAttribute('data-block-id')) as string;
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const origin = new URL(local.url).origin;
    const forged = await page.request.post(`${local.url}/blocks/lift`, {
      form: { _csrf: csrf, id: blockId },
      headers: { origin },
      maxRedirects: 0,
    });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /Only an MSP operator can do this\./);
    await page.reload();
    assert.equal(await limitRows(page).count(), 1, 'the block is still there');
    await signOut();

    await signIn(local.url, ACME_TOKEN);
    await page.goto(`${local.url}/blocks`);
    assert.equal(await limitRows(page).count(), 0, "acme's viewer sees none of default's blocks");
    await signOut();
    assert.deepEqual(browser.problems, []);
  });
});
