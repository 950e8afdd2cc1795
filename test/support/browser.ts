import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { TestApp } from './test-app';

export const SCREENSHOTS = join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps dialling Google's hosts.
 * playwright-core adds --headless and a fresh temporary --user-data-dir of its own, deleted on close.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Headless Chromium driven by playwright-core: CHROMIUM_PATH when set, else Debian's Chromium when installed,
 * else the Chromium that the @sparticuz/chromium dev dependency ships, so a fresh `npm ci && npm test` needs no apt.
 * Each signed-in person gets a browser context of their own.
 */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: await chromiumExecutable(), headless: true, args: CHROMIUM_ARGS });
}

async function chromiumExecutable(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  return unpackShippedChromium();
}

/**
 * The package ships the binary brotli-packed. It is unpacked once per version under node_modules/.cache (not the
 * package's own shared /tmp/chromium, which it trusts when present even if half written), through a temporary name
 * and a rename, so a run that is killed halfway or two runs at once never leave a truncated binary behind.
 */
async function unpackShippedChromium(): Promise<string> {
  const packageRoot = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const dir = join(packageRoot, '..', '..', '.cache', 'sparticuz-chromium', version);
  const binary = join(dir, 'chromium');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  await pipeline(
    createReadStream(join(packageRoot, 'bin', 'chromium.br')),
    createBrotliDecompress(),
    createWriteStream(partial, { mode: 0o755 }),
  );
  renameSync(partial, binary);
  return binary;
}

/** Serves the test app on a free local port and returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function personIn(
  browser: Browser,
  baseURL: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
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
  await until(
    () => counterItems(page, id),
    (items) => items.includes(chip),
    timeoutMs,
  );
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
