/**
 * Test helpers for the viewer in a real browser: Debian's Chromium driven by playwright-core (no browser download;
 * MEDCL_CHROMIUM overrides the path), a fresh profile per launch, and the page's state and texts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';

export const CHROMIUM = process.env['MEDCL_CHROMIUM'] ?? '/usr/bin/chromium';

/** why the browser tests cannot run here, or null */
export function browserSkipReason(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set MEDCL_CHROMIUM): browser tests skipped`;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'medcl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1200, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** body[data-state] of the page (starting, ready, loading, segmenting, segmented, saving, saved, error) */
export async function pageState(page: Page): Promise<string> {
  return String(await page.evaluate('document.body.dataset.state ?? ""'));
}

/** waits until the page has finished `n` actions (body[data-actions] counts them) */
export async function waitActions(page: Page, n: number, timeout = 180_000): Promise<void> {
  await page.waitForFunction(`Number(document.body.dataset.actions ?? 0) >= ${n}`, null, { timeout });
}

/**
 * Runs `start` (a click, a file chosen) and waits until the page has finished the action it started; returns the
 * page's state then ('error' when it failed).
 */
export async function act(page: Page, start: () => Promise<unknown>, timeout = 180_000): Promise<string> {
  const done = Number(await page.evaluate('Number(document.body.dataset.actions ?? 0)'));
  await start();
  await waitActions(page, done + 1, timeout);
  return pageState(page);
}

export async function text(page: Page, id: string): Promise<string> {
  return (await page.locator(`#${id}`).textContent()) ?? '';
}

/** pixels of a PNG whose colour is far from grey (max - min channel > 60): the overlay, crosshair and labels */
export async function colouredPixels(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let p = 0; p < info.width * info.height * 3; p += 3) {
    const r = data[p]!;
    const g = data[p + 1]!;
    const b = data[p + 2]!;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
  }
  return n;
}
