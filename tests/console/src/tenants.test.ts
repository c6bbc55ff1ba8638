/**
 * The console of an MSP serving several customer orgs (a tenants file), in a real browser against the real system:
 * hooks on each tenant's own path, delivered by the sms-worker through each tenant's Twilio subaccount, blocks made
 * by each tenant's own per-number limit. The MSP operator sees every tenant; acme's viewer — signed in with acme's
 * own adminToken — sees acme only, by feed, address, providers, blocks and usage, and cannot lift. The same Okta
 * eventId from both orgs is two deliveries. A reload of the file adds and removes tenants in the console too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, oktaHookRequest } from '@byot/testkit';
import type { Page } from 'playwright-core';
import { type ConsoleBrowser, launchBrowser } from './browser.ts';
import { startTenantsSystem, type TenantsSystem } from './tenants-system.ts';

let world: TenantsSystem;
let browser: ConsoleBrowser;
/** One Okta eventId that both orgs send (eventIds are unique per org only). */
const shared = oktaHookRequest({ login: 'unused@example.com' }).eventId;
const PEOPLE = {
  acme: { login: 'alice@acme.example', phone: '+12025550161', blocked: '+12025550171' },
  globex: { login: 'bob@globex.example', phone: '+12025550162', blocked: '+12025550172' },
} as const;

const token = (tenant: string) => world.tenants.get(tenant)?.adminToken as string;
const rows = (page: Page) => page.locator('tr[data-event-id]');
const limitRows = (page: Page) => page.locator('table.blocks[data-kind="limit"] tbody tr[data-block-id]');
const attributes = async (page: Page, selector: string, name: string) =>
  (await page.locator(selector).evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name)) as string[];

/** Rows of a table whose first cell is the tenant (an operator's view of several), with their attributes. */
async function tenantRows(page: Page, selector: string) {
  const found = await page.locator(selector).evaluateAll((els) =>
    els.map((e) => ({
      tenant: e.querySelector('td')?.textContent?.trim() ?? '',
      attributes: Object.fromEntries([...e.attributes].map((a) => [a.name, a.value])),
    })),
  );
  return found.map((f) => ({
    tenant: f.tenant,
    row: { getAttribute: (name: string) => f.attributes[name] ?? '' },
  }));
}

async function signIn(secret: string): Promise<void> {
  const { page } = browser;
  await browser.context.clearCookies();
  await page.goto(world.consoleUrl);
  await page.getByLabel('Admin token').fill(secret);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.waitForURL(/\/console$/);
}

async function signOut(): Promise<void> {
  await browser.page.getByRole('button', { name: 'Sign out' }).click();
  await browser.page.getByText('You are signed out.').waitFor();
}

before(async () => {
  world = await startTenantsSystem(['acme', 'globex', 'initech'], ['acme', 'globex']);
  for (const tenant of ['acme', 'globex'] as const) {
    const person = PEOPLE[tenant];
    const hook = oktaHookRequest({ login: person.login, phoneNumber: person.phone });
    const answer = await world.sendHook(tenant, { ...hook, eventId: shared });
    assert.equal(answer.status, 200, `${tenant}'s hook`);
    // Three codes to one number: the third goes over the tenant's 2/15m and is refused (a block).
    for (let i = 0; i < 3; i++) {
      const again = await world.sendHook(tenant, oktaHookRequest({ phoneNumber: person.blocked }));
      assert.equal(again.status, 200);
    }
  }
  // Both deliveries of the shared eventId delivered, each through its own tenant's Twilio subaccount.
  await eventually(
    async () => {
      for (const tenant of ['acme', 'globex']) {
        const { status, body } = await world.lookup(tenant, shared);
        assert.equal(status, 200);
        assert.equal(body.delivery, 'delivered', `${tenant}: ${JSON.stringify(body.delivery)}`);
      }
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await world?.stop();
});

describe('the console with a tenants file', () => {
  it('the operator sees every tenant: feed, tenant filter, search within a tenant, timelines, providers, blocks, usage', async () => {
    const { page } = browser;
    await signIn(world.system.adminToken);
    await page.getByText('MSP operator · all tenants').waitFor();
    const sharedRows = page.locator(`tr[data-event-id="${shared}"]`);
    await eventually(
      async () => {
        await page.reload();
        assert.equal(await sharedRows.count(), 2);
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    assert.deepEqual(
      (await attributes(page, `tr[data-event-id="${shared}"]`, 'data-tenant')).sort(),
      ['acme', 'globex'],
      'the same eventId of two orgs is two deliveries',
    );
    const filterOptions = await page.locator('form.filters select[name="tenant"] option').allTextContents();
    assert.ok(filterOptions.includes('acme') && filterOptions.includes('globex'), filterOptions.join(', '));

    // The tenant filter: only acme's rows (its shared delivery and its three to the blocked number).
    await page.goto(`${world.consoleUrl}/deliveries?tenant=acme&range=24h`);
    assert.deepEqual([...new Set(await attributes(page, 'tr[data-event-id]', 'data-tenant'))], ['acme']);
    assert.equal(await rows(page).count(), 4);

    // A person searched within one tenant; the other tenant's person is not in it.
    await page.goto(
      `${world.consoleUrl}/deliveries?login=${encodeURIComponent(PEOPLE.acme.login)}&tenant=acme`,
    );
    assert.deepEqual(await attributes(page, 'tr[data-event-id]', 'data-tenant'), ['acme']);
    await page.goto(
      `${world.consoleUrl}/deliveries?login=${encodeURIComponent(PEOPLE.globex.login)}&tenant=acme`,
    );
    assert.equal(await rows(page).count(), 0);

    // Each delivery's own timeline, under its own transaction id.
    for (const tenant of ['acme', 'globex'] as const) {
      const response = await page.goto(`${world.consoleUrl}/deliveries/${tenant}/${shared}`);
      assert.equal(response?.status(), 200);
      const facts = (await page.locator('dl.facts').textContent()) ?? '';
      assert.match(facts, new RegExp(`Tenant\\s*${tenant}`));
      assert.match(facts, new RegExp(`Okta event id\\s*${shared}`));
      assert.match(facts, new RegExp(`Transaction id\\s*byot-${tenant}\\.${shared}`));
      assert.match(
        (await page.locator('h1').textContent()) ?? '',
        new RegExp(`${PEOPLE[tenant].phone.slice(-2)}\\b`),
      );
      assert.match((await page.locator('[data-story]').textContent()) ?? '', /^Delivered by /);
      assert.ok((await page.locator('ol.timeline li').count()) >= 2, 'the timeline has its steps');
    }
    await browser.screenshot('tenants-delivery', { readme: false });

    // Providers per tenant and account: each tenant's own Twilio subaccount (the workers flush their figures every
    // few seconds, so the page is reloaded until both have reported).
    await page.goto(`${world.consoleUrl}/providers`);
    const accountOf = await eventually(
      async () => {
        await page.reload();
        const routes = (await tenantRows(page, 'table.providers tbody tr[data-provider="twilio"]')).map(
          (r) => ({
            tenant: r.tenant,
            account: r.row.getAttribute('data-credential-set'),
          }),
        );
        const of = (tenant: string) => routes.find((r) => r.tenant === tenant)?.account;
        for (const tenant of ['acme', 'globex']) {
          assert.match(of(tenant) ?? '', /./, `${tenant}'s Twilio route: ${JSON.stringify(routes)}`);
        }
        return of;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    for (const tenant of ['acme', 'globex']) {
      assert.notEqual(accountOf(tenant), 'default', `${tenant} has its own account`);
    }
    assert.notEqual(accountOf('acme'), accountOf('globex'));

    // Blocks of both tenants, and usage of both.
    await page.goto(`${world.consoleUrl}/blocks`);
    assert.equal(await limitRows(page).count(), 2);
    await page.goto(`${world.consoleUrl}/usage`);
    assert.deepEqual((await attributes(page, 'section.usage-tenant', 'data-tenant')).sort(), [
      'acme',
      'globex',
    ]);
    await browser.screenshot('tenants-usage', { readme: false });
    await signOut();
    assert.deepEqual(browser.problems, []);
  });

  it("acme's viewer (acme's adminToken) sees only acme's deliveries, usage and blocks, and cannot lift", async () => {
    const { page } = browser;
    // The operator's view of globex, to look for it in acme's.
    await signIn(world.system.adminToken);
    await page.goto(`${world.consoleUrl}/providers`);
    const globexAccounts = (await tenantRows(page, 'table.providers tbody tr[data-provider]'))
      .filter((r) => r.tenant === 'globex')
      .map((r) => r.row.getAttribute('data-credential-set'));
    assert.ok(globexAccounts.length > 0);
    await page.goto(`${world.consoleUrl}/blocks`);
    const globexBlock = (await tenantRows(page, 'table.blocks[data-kind="limit"] tbody tr[data-block-id]'))
      .find((r) => r.tenant === 'globex')
      ?.row.getAttribute('data-block-id') as string;
    assert.ok(globexBlock);
    await signOut();

    await signIn(token('acme'));
    await page.getByText('viewer · acme').waitFor();
    await page.goto(`${world.consoleUrl}/deliveries?range=24h`);
    assert.deepEqual([...new Set(await attributes(page, 'tr[data-event-id]', 'data-tenant'))], ['acme']);
    assert.equal(await page.locator(`tr[data-event-id="${shared}"]`).count(), 1);
    assert.equal(await page.locator('select[name="tenant"]').count(), 0, 'no tenant to choose from');
    const markup = await page.content();
    assert.ok(!markup.includes('globex'), 'nothing of globex on the feed');

    // Globex's delivery of the same eventId, by address: the 404 of a delivery that does not exist.
    const theirs = await page.goto(`${world.consoleUrl}/deliveries/globex/${shared}`);
    assert.equal(theirs?.status(), 404);
    await page.getByText('No such delivery').waitFor();
    // Nor through default's unprefixed ids (scopedEventId leaves default's bare).
    const sideways = await page.goto(`${world.consoleUrl}/deliveries/default/globex.${shared}`);
    assert.equal(sideways?.status(), 404);
    const mine = await page.goto(`${world.consoleUrl}/deliveries/acme/${shared}`);
    assert.equal(mine?.status(), 200);
    assert.match((await page.locator('dl.facts').textContent()) ?? '', /Tenant\s*acme/);
    await page.goto(`${world.consoleUrl}/deliveries?login=${encodeURIComponent(PEOPLE.globex.login)}`);
    assert.equal(await rows(page).count(), 0);

    // Providers: acme's account only.
    await page.goto(`${world.consoleUrl}/providers`);
    const seen = await attributes(page, 'tr[data-provider]', 'data-credential-set');
    assert.ok(seen.length > 0, 'acme has its providers');
    assert.ok(!seen.some((a) => globexAccounts.includes(a)), `globex's account shown: ${seen.join(', ')}`);

    // Blocks: acme's one, no lift, and a hand-made lift of globex's block refused by role.
    await page.goto(`${world.consoleUrl}/blocks`);
    assert.equal(await limitRows(page).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Lift' }).count(), 0);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    for (const id of [globexBlock, (await limitRows(page).first().getAttribute('data-block-id')) as string]) {
      const forged = await page.request.post(`${world.consoleUrl}/blocks/lift`, {
        form: { _csrf: csrf, id },
        headers: { origin: new URL(world.consoleUrl).origin },
        maxRedirects: 0,
      });
      assert.equal(forged.status(), 403);
    }

    // Usage: acme's section only, and the export holds acme's rows only.
    await page.goto(`${world.consoleUrl}/usage`);
    assert.deepEqual(await attributes(page, 'section.usage-tenant', 'data-tenant'), ['acme']);
    const csv = await page.request.get(`${world.consoleUrl}/usage/export.csv`);
    assert.equal(csv.status(), 200);
    const text = await csv.text();
    assert.match(text, /acme/);
    assert.doesNotMatch(text, /globex/);
    await browser.screenshot('tenants-viewer', { readme: false });
    await signOut();

    // Both blocks are still there.
    await signIn(world.system.adminToken);
    await page.goto(`${world.consoleUrl}/blocks`);
    assert.equal(await limitRows(page).count(), 2);
    await signOut();
    assert.deepEqual(browser.problems, []);
  });

  it('a reload of the tenants file: an added tenant appears and signs in, a removed one disappears and its open session ends', async () => {
    const { page } = browser;
    await signIn(token('globex'));
    await page.getByText('viewer · globex').waitFor();
    await world.rewrite(['acme', 'initech']);

    // globex's signed-in viewer is signed out by its next request (its token no longer signs in), sees nothing, and
    // cannot sign in again.
    await page.goto(`${world.consoleUrl}/deliveries?range=24h`);
    await page.waitForURL(/\/console\/sign-in/);
    assert.equal(await rows(page).count(), 0);
    await page.getByLabel('Admin token').fill(token('globex'));
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.getByText('That token is not valid here.').waitFor();

    await signIn(token('initech'));
    await page.getByText('viewer · initech').waitFor();
    await signOut();

    await signIn(world.system.adminToken);
    const options = await page.locator('form.filters select[name="tenant"] option').allTextContents();
    assert.ok(options.includes('initech') && options.includes('acme'), options.join(', '));
    assert.ok(!options.includes('globex'), options.join(', '));
    const response = await page.goto(`${world.consoleUrl}/deliveries/globex/${shared}`);
    assert.equal(response?.status(), 404);
    await signOut();
    assert.deepEqual(browser.problems, []);
  });
});
