import { expect, test } from 'vitest';
import { moduleGraph } from '../module-graph.js';

const isInspectPeer = (name: string) => name === 'ws' || name.startsWith('@statelyai/');

test('the main entry loads nothing of src/inspect, ws nor @statelyai/inspect', async () => {
  const { files, packages } = await moduleGraph('src/index.ts');
  expect(files).toContain('src/api/create-pool.ts');
  expect(files.filter((file) => file.startsWith('src/inspect/'))).toEqual([]);
  expect(packages.filter(isInspectPeer)).toEqual([]);
});

test('the inspect entry loads its optional peers only when a relay or session starts', async () => {
  const { files, packages, loadedAtImport } = await moduleGraph('src/inspect/index.ts');
  expect(files).toContain('src/inspect/inspect-relay.ts');
  expect(packages.filter(isInspectPeer).sort()).toEqual(['@statelyai/inspect', 'ws']);
  expect(loadedAtImport.filter(isInspectPeer)).toEqual([]);
});

test('the inspect entry loads nothing of the pool itself', async () => {
  const { files } = await moduleGraph('src/inspect/index.ts');
  expect(files.filter((file) => file.startsWith('src/machines/') || file.startsWith('src/redis/'))).toEqual([]);
});
