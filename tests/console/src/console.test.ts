/**
 * The support console in a real browser (Debian's chromium through Playwright) against the real system: Redis,
 * the provider simulator, hook-ingress (whose admin port serves the console) and an sms-worker, as processes.
 * Each page is screenshotted into tests/console/screenshots/ (the README shows them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, getFreePort, oktaHookRequest, type RunningSystem, startSystem } from '@byot/testkit';
import { type ConsoleBrowser, launchBrowser } from './browser.ts';

let system: RunningSystem;
let browser: ConsoleBrowser;
let consoleUrl: string;

before(async () => {
  const adminPort = await getFreePort();
  system = await startSystem({
    failover: true,
    logLevel: 'info',
    ingressEnv: { ADMIN_PORT: String(adminPort) },
  });
  consoleUrl = `http://127.0.0.1:${adminPort}/console`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await system?.stop();
});

describe('support console in a browser', () => {
  it('sends a visitor to the sign-in page and refuses a wrong token', async () => {
    const { page } = browser;
    await page.goto(consoleUrl);
    assert.match(new URL(page.url()).pathname, /^\/console\/sign-in$/);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.getByText('That token is not valid here.').waitFor();
    await browser.screenshot('sign-in');
  });

  it('signs in with the admin token and shows provider health measured by the workers', async () => {
    const { page } = browser;
    for (let i = 0; i < 3; i++) {
      const answer = await system.sendHook(oktaHookRequest({ phoneNumber: `+1202555014${i}` }));
      assert.equal(answer.status, 200);
    }
    await page.getByLabel('Admin token').fill(system.adminToken);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.waitForURL(/\/console\/providers$/);
    await page.getByText('MSP operator · all tenants').waitFor();
    // The workers flush their figures every 5 s: reload until Twilio's three sends are there.
    const twilio = page.locator('table.providers[data-channel="sms"] tr[data-provider="twilio"]');
    await eventually(
      async () => {
        await page.reload();
        assert.equal((await twilio.locator('td.num').first().textContent())?.trim(), '3');
      },
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );
    assert.match((await twilio.textContent()) ?? '', /closed/);
    assert.equal(await page.locator('tr[data-provider="vonage"]').count(), 1, 'the idle backup is listed');
    assert.ok(await twilio.locator('svg.chart rect.ok').count(), 'the chart has a bar for this minute');
    await browser.screenshot('providers');
  });

  it('signs out, and the console asks for a sign-in again', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.goto(`${consoleUrl}/providers`);
    await page.waitForURL(/\/console\/sign-in\?/);
    assert.deepEqual(browser.problems, [], 'no console error, exception or CSP violation on any page');
  });
});
