import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { browserTestsRun, withChromium } from './browser-support.js';

/** `src/index.ts` bundled for browsers, exposing its exports as `window.XstateWorkpool`. */
async function bundleForBrowser() {
  const result = await build({
    entryPoints: ['src/index.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'XstateWorkpool',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  return { code, inputs: Object.keys(result.metafile.inputs) };
}

type Exports = typeof import('../src/index.js');

describe('in a browser', () => {
  test('src/index.ts bundles for the browser platform, with no Node built-in', async () => {
    const { code, inputs } = await bundleForBrowser();
    expect(code).toContain('XstateWorkpool');
    expect(inputs.filter((input) => input.startsWith('node:') || input.includes('(disabled)'))).toEqual([]);
    expect(inputs).toContain('src/index.ts');
  });

  test.skipIf(!browserTestsRun)(
    "the Go doc's example runs in headless Chromium: spam gets twice the leases of eggs",
    async () => {
      const { code } = await bundleForBrowser();
      const result = await withChromium(async (context) => {
        const page = context.pages()[0] ?? (await context.newPage());
        await page.setContent('<!doctype html><title>xstate-workpool</title>');
        await page.addScriptTag({ content: code });
        return page.evaluate(async () => {
          const { createPool } = (globalThis as unknown as { XstateWorkpool: Exports }).XstateWorkpool;
          // The Go doc's example: spam 2, eggs 1, 12 workers each holding a lease 10 ms.
          // It ends after a number of leases rather than a time, so a slow machine only takes longer.
          const pool = createPool<'spam' | 'eggs'>();
          pool.set('spam', 2);
          pool.set('eggs', 1);
          const counts = { spam: 0, eggs: 0 };
          const enough = 300;
          const worker = async () => {
            for await (const lease of pool.leases()) {
              counts[lease.key]++;
              if (counts.spam + counts.eggs >= enough) pool.stop();
              await new Promise((resolve) => setTimeout(resolve, 10));
              lease.release();
            }
          };
          await Promise.all(Array.from({ length: 12 }, worker));
          await pool.drained();
          return { counts, hasProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined' };
        });
      });
      expect(result.hasProcess).toBe(false);
      expect(result.counts.spam + result.counts.eggs).toBeGreaterThanOrEqual(300);
      expect(result.counts.spam / result.counts.eggs).toBeGreaterThan(1.9);
      expect(result.counts.spam / result.counts.eggs).toBeLessThan(2.1);
    },
  );
});
