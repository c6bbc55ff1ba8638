/**
 * "Sign in with Okta" in a real browser, wired as `npm start` wires it (sandboxConsoleOidc: okta-sim registers the
 * console's client and its people, hook-ingress gets CONSOLE_OIDC_*): the authorization-code flow with PKCE through
 * okta-sim's sign-in page back to the console, the role each person's groups give, and sign-out.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  getFreePort,
  nodeServiceArgs,
  type RunningSystem,
  repoRoot,
  ServiceProcess,
  sandboxConsoleOidc,
  startSystem,
} from '@byot/testkit';
import { type ConsoleBrowser, launchBrowser } from './browser.ts';

let system: RunningSystem;
let okta: ServiceProcess;
let browser: ConsoleBrowser;
let consoleUrl: string;
let clientSecret: string;

before(async () => {
  const [adminPort, oktaPort] = [await getFreePort(), await getFreePort()];
  const oktaUrl = `http://127.0.0.1:${oktaPort}`;
  const oidc = sandboxConsoleOidc({ adminPort, oktaUrl });
  clientSecret = oidc.ingressEnv.CONSOLE_OIDC_CLIENT_SECRET as string;
  okta = await ServiceProcess.start(
    {
      name: 'okta-sim',
      args: nodeServiceArgs(join(repoRoot(), 'services', 'okta-sim', 'src', 'main.ts')),
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        PORT: String(oktaPort),
        HOST: '127.0.0.1',
        ...oidc.oktaSimEnv,
      },
      ready: { url: `${oktaUrl}/healthz` },
      readyTimeoutMs: 20_000,
    },
    oktaUrl,
  );
  system = await startSystem({
    logLevel: 'info',
    ingressEnv: { ADMIN_PORT: String(adminPort), ...oidc.ingressEnv },
  });
  consoleUrl = `http://127.0.0.1:${adminPort}/console`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await system?.stop();
  await okta?.stop();
});

/** From the console's sign-in page through okta-sim's to the console, as the person with this login. */
async function signInWithOkta(login: string): Promise<void> {
  const { page } = browser;
  await page.goto(`${consoleUrl}/providers`);
  await page.waitForURL(/\/console\/sign-in\?/);
  await page.getByRole('link', { name: 'Sign in with Okta' }).click();
  // okta-sim's authorize page: the request carried PKCE (S256), state and nonce, or it would have refused it.
  await page.waitForURL((url) => url.pathname.endsWith('/oauth2/default/v1/authorize'));
  const authorize = new URL(page.url());
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.match(authorize.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.ok(authorize.searchParams.get('state'));
  assert.ok(authorize.searchParams.get('nonce'));
  assert.equal(authorize.searchParams.get('client_id'), 'byot-console');
  assert.ok(!page.url().includes(clientSecret), 'the client secret never travels in a URL');
  await page.locator(`button[data-login="${login}"]`).click();
  // Back through /console/oidc/callback to where the person was going.
  await page.waitForURL(/\/console\/providers$/);
}

async function signOut(): Promise<void> {
  const { page } = browser;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await page.goto(consoleUrl);
  await page.waitForURL(/\/console\/sign-in/);
}

describe('Sign in with Okta (okta-sim as the OpenID provider)', () => {
  it('signs in a member of byot-operators as an MSP operator, and out again', async () => {
    const { page } = browser;
    await signInWithOkta('operator@example.com');
    await page.getByText('MSP operator · all tenants').waitFor();
    await page.getByText('operator@example.com').waitFor();
    assert.ok(!(await page.content()).includes(clientSecret));
    await browser.screenshot('signed-in-okta');
    await signOut();
  });

  it('signs in a member of byot-viewers-default as a read-only viewer of default', async () => {
    const { page } = browser;
    await signInWithOkta('viewer@example.com');
    await page.getByText('viewer · default').waitFor();
    await page.getByRole('link', { name: 'Blocks' }).click();
    await page.getByText('Only an MSP operator can lift a block.').waitFor();
    await signOut();
    assert.deepEqual(browser.problems, []);
  });
});
