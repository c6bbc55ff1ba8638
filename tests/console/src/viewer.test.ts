/**
 * A tenant viewer in a real browser: signed in with its tenant's admin token, it sees none of another tenant's
 * deliveries or providers — not in the feed, not by searching the person, not by typing a delivery's address.
 * Here the console is served in this process — the same code hook-ingress mounts — over the real system's Redis,
 * with fixed tenants (`default` and a second tenant `acme`); tenants.test.ts does the same through a tenants file
 * on the running ingress itself.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually, oktaHookRequest, type RunningSystem, startSystem } from '@byot/testkit';
import { type ConsoleBrowser, launchBrowser } from './browser.ts';
import { type LocalConsole, startLocalConsole } from './local-console.ts';

const ACME_TOKEN = randomBytes(24).toString('base64url');
let system: RunningSystem;
let local: LocalConsole;
let browser: ConsoleBrowser;
let consoleUrl: string;
const login = 'msp.customer@example.com';
let eventId: string;

before(async () => {
  system = await startSystem({ logLevel: 'info' });
  const hook = oktaHookRequest({ login, phoneNumber: '+12025550191' });
  eventId = hook.eventId;
  assert.equal((await system.sendHook(hook)).status, 200);
  local = await startLocalConsole(system, { default: undefined, acme: ACME_TOKEN });
  consoleUrl = local.url;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await local?.stop();
  await system?.stop();
});

async function signIn(token: string): Promise<void> {
  const { page } = browser;
  await page.goto(consoleUrl);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.waitForURL(/\/console$/);
}

describe('a tenant viewer', () => {
  it('the operator sees the delivery of tenant default', async () => {
    await signIn(system.adminToken);
    const row = browser.page.locator(`tr[data-event-id="${eventId}"]`);
    await eventually(
      async () => {
        await browser.page.reload();
        assert.equal(await row.count(), 1);
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    assert.match((await row.getAttribute('data-tenant')) ?? '', /^default$/);
    await browser.page.getByRole('button', { name: 'Sign out' }).click();
    await browser.page.getByText('You are signed out.').waitFor();
  });

  it("cannot see another tenant's deliveries or providers, by feed, search or address", async () => {
    await signIn(ACME_TOKEN);
    const { page } = browser;
    await page.getByText('viewer · acme').waitFor();
    assert.equal(await page.locator('tr[data-event-id]').count(), 0, 'the feed holds only acme');
    assert.equal(await page.locator('select[name="tenant"]').count(), 0, 'no tenant to choose from');

    await page.goto(`${consoleUrl}/deliveries?login=${encodeURIComponent(login)}`);
    await page.getByText('No delivery of this person is kept.').waitFor();
    await page.goto(`${consoleUrl}/deliveries?login=${encodeURIComponent(login)}&tenant=default`);
    assert.equal(await page.locator('tr[data-event-id]').count(), 0);

    const response = await page.goto(`${consoleUrl}/deliveries/default/${eventId}`);
    assert.equal(response?.status(), 404);
    await page.getByText('No such delivery').waitFor();
    await browser.screenshot('viewer-other-tenant');

    await page.getByRole('link', { name: 'Providers' }).click();
    await page.getByText('No worker has reported a provider yet.').waitFor();
    assert.equal(await page.locator('tr[data-provider]').count(), 0, "default's providers are not acme's");
    assert.deepEqual(browser.problems, []);
  });
});
