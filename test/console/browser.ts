import { mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { TestApp } from '../support/test-app';

export const SCREENSHOTS = join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

/**
 * Debian's Chromium, headless, driven by playwright-core. `launch` gives the browser a fresh temporary
 * profile (its own --user-data-dir) that is deleted on close; each signed-in person gets a context of their own.
 */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Serves the test app on a free local port and returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function personIn(browser: Browser, baseURL: string, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport });
  const page = await context.newPage();
  return { context, page };
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/console/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/console/sign-in'));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The chips of a live counter (characters, encoding, segments, credits, business hours), one string each. */
export function counterItems(page: Page, id: string): Promise<string[]> {
  return page.locator(`#${id} li`).allTextContents();
}

/** Waits until the live counter shows exactly this chip. */
export async function counterShows(page: Page, id: string, chip: string, timeoutMs = 10_000): Promise<void> {
  await until(() => counterItems(page, id), (items) => items.includes(chip), timeoutMs);
}

/** Polls a page probe until it passes; fails with the last value seen. */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
