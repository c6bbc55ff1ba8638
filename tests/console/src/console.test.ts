/**
 * The support console in a real browser (Debian's chromium through Playwright) against the real system: Redis,
 * the provider simulator, hook-ingress (whose admin port serves the console) and an sms-worker, as processes.
 * Each page is screenshotted into tests/console/output/ (CONSOLE_SCREENSHOTS_UPDATE=1: also the README's images).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, getFreePort, oktaHookRequest, type RunningSystem, startSystem } from '@byot/testkit';
import type { Page } from 'playwright-core';
import { type ConsoleBrowser, launchBrowser } from './browser.ts';

let system: RunningSystem;

const deliveryOf = (lookup: { body: unknown }) =>
  (lookup.body as { delivery?: string } | undefined)?.delivery;

/** No code, no full number, no login anywhere on the page (the login was typed into the search, not shown). */
async function noSecretsOn(page: Page, secrets: string[]): Promise<void> {
  const text = await page.content();
  for (const secret of secrets) assert.ok(!text.includes(secret), `the page shows ${secret}`);
}
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
    await page.waitForURL(/\/console$/);
    await page.getByText('MSP operator · all tenants').waitFor();
    await page.getByRole('link', { name: 'Providers' }).click();
    await page.waitForURL(/\/console\/providers$/);
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

  it("finds a person's codes by their login and tells what became of each", async () => {
    const { page } = browser;
    const login = 'dana.doe@example.com';
    // One code delivered at once; one that Twilio's carrier reports undelivered, so Vonage takes over.
    const first = oktaHookRequest({ login, phoneNumber: '+12025550171' });
    assert.equal((await system.sendHook(first)).status, 200);
    await eventually(
      async () => assert.equal(deliveryOf(await system.delivery(first.eventId)), 'delivered'),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    await system.setSimCallbacks('twilio', { undelivered: 1, errorCode: 30003 });
    const second = oktaHookRequest({ login, phoneNumber: '+12025550172' });
    try {
      assert.equal((await system.sendHook(second)).status, 200);
      await eventually(
        async () => assert.equal(deliveryOf(await system.delivery(second.eventId)), 'delivered'),
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      await system.setSimCallbacks('twilio', null);
    }
    for (let i = 0; i < 4; i++) await system.sendHook(oktaHookRequest({ phoneNumber: `+1202555018${i}` }));

    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.waitForURL(/\/console$/);
    await eventually(
      async () => {
        await page.reload();
        assert.ok((await page.locator('table.deliveries tbody tr[data-event-id]').count()) >= 9);
      },
      { timeoutMs: 20_000, intervalMs: 1_000 },
    );
    await browser.screenshot('deliveries');

    await page.getByLabel('Find a person by').selectOption('login');
    await page.getByLabel('Login, user id or last 4 digits').fill('Dana.Doe@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/console\/deliveries\?login=/);
    const rows = page.locator('table.deliveries tbody tr[data-event-id]');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id'))), [
      second.eventId,
      first.eventId,
    ]);
    await browser.screenshot('search');

    await rows.first().getByRole('link').click();
    await page.waitForURL(new RegExp(`/console/deliveries/default/${second.eventId}$`));
    const story = (await page.locator('[data-story]').textContent()) ?? '';
    assert.match(
      story,
      /^Delivered by Vonage [\d.]+ m?s after Okta asked, after Twilio reported the handset unreachable\.$/,
    );
    const steps = await page.locator('ol.timeline li').allTextContents();
    assert.ok(
      steps.some((s) => /Failover to Vonage/.test(s)),
      steps.join('\n'),
    );
    assert.ok(steps.some((s) => /Twilio reported undelivered/.test(s)));
    await noSecretsOn(page, [second.data.messageProfile.otpCode, '2025550172', login]);
    await browser.screenshot('delivery');
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
