import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where the browser tests look for Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests run: where Chromium is installed, or where CI
 * says it must be (REQUIRE_CHROMIUM=1), so that there a missing browser
 * fails instead of skipping.
 */
export const browserTestsRun = existsSync(CHROMIUM) || process.env.REQUIRE_CHROMIUM === '1';

/** Runs `use` with headless Chromium on a fresh profile, and closes both after. */
export async function withChromium<T>(use: (context: BrowserContext) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'xstate-workpool-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    return await use(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
