import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's chromium driven by Playwright (playwright-core: no browser download). Flags as this machine needs them:
 * no sandbox (root), no GPU, and no background networking, component updates, sync or QUIC — their connections
 * are refused on a closed network and slow every start. A fresh profile per run, removed afterwards.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where every run's screenshots land: git-ignored, so `npm test` leaves the working tree clean. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../output/', import.meta.url));
/**
 * The README's images (committed). Refreshed only when asked — CONSOLE_SCREENSHOTS_UPDATE=1 npm test -w
 * @byot/console-tests — after a change to how a page looks.
 */
export const README_SCREENSHOT_DIR = fileURLToPath(new URL('../screenshots/', import.meta.url));
const updateReadmeImages = process.env.CONSOLE_SCREENSHOTS_UPDATE === '1';

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  /**
   * Console errors (CSP violations among them), uncaught exceptions and failed sub-resources (script, stylesheet,
   * refresh) seen so far: a page must cause none.
   */
  problems: string[];
  /** A full-page screenshot into output/; `readme: false` keeps it out of the README's images (too large). */
  screenshot(name: string, options?: { readme?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'byot-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1360, height: 860 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (message) => {
    // A refused sign-in is a 401 document on purpose; failed sub-resources are caught below, by URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    const kind = response.request().resourceType();
    if (kind !== 'document' && response.status() >= 400)
      problems.push(`${kind} ${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    problems,
    async screenshot(name, options = {}) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      if (updateReadmeImages && options.readme !== false) {
        await mkdir(README_SCREENSHOT_DIR, { recursive: true });
        await copyFile(path, join(README_SCREENSHOT_DIR, `${name}.png`));
      }
      return path;
    },
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
