import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as MetricsModule from '../../src/metrics/index.js';

/**
 * `xstate-workpool/metrics` as users run it: the bundle `npm run bench`
 * builds into `bench/.build/metrics` beside the pool's; the TypeScript
 * sources through tsx without it.
 */
export async function loadMetricsModule(): Promise<typeof MetricsModule> {
  const built = new URL('../.build/metrics/index.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return (await import(built.href)) as typeof MetricsModule;
  return import('../../src/metrics/index.js');
}
