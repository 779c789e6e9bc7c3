import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');

/**
 * The source files (relative to the repository) and the external packages
 * an entry point loads, as a bundler follows its imports; `packages` counts
 * dynamic `import()`s too, `loadedAtImport` only what importing the entry loads.
 */
export async function moduleGraph(
  entry: string,
): Promise<{ files: string[]; packages: string[]; loadedAtImport: string[] }> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const files = Object.keys(result.metafile.inputs);
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external));
  const packages = imports.map((i) => i.path);
  const loadedAtImport = imports.filter((i) => i.kind !== 'dynamic-import').map((i) => i.path);
  return { files, packages, loadedAtImport };
}
