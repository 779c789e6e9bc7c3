import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as PoolModule from '../../src/index.js';

/** The package's exports, as the benchmark measures them. */
export type PoolModuleExports = typeof PoolModule;

/**
 * The package as users run it: the plain-JS bundle of `src/` that
 * `npm run bench` builds into `bench/.build` first. Without it (running
 * this file directly under tsx), the TypeScript sources, which tsx compiles
 * with extra helper calls per function created (`__name`), so figures are
 * a little lower; `source` says which was loaded.
 */
export async function loadPoolModule(): Promise<{ module: PoolModuleExports; source: string }> {
  const built = new URL('../.build/index.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) {
    return {
      module: (await import(built.href)) as PoolModuleExports,
      source: 'bench/.build/index.js (esbuild bundle of src/)',
    };
  }
  return { module: await import('../../src/index.js'), source: 'src/ through tsx' };
}
