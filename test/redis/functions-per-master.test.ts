import { expect, test } from 'vitest';
import { adaptClient, type LoadedScript } from '../../src/redis/client-adapter.js';
import { functionLibrary, scriptSources } from '../../src/redis/scripts.generated.js';

// A sharded pool's calls reach several masters of a Cluster at once (D9), and a Functions library loaded on one
// master does nothing for a call that missed it on another. A node-redis Cluster loads it where the call went;
// this stands in for one with two masters, each knowing only what was loaded on it, as Redis does.

/** A node-redis Cluster, as far as the adapter uses it, whose two masters each hold their own libraries. */
function twoMasterCluster() {
  const loaded = new Set<number>();
  const masterOf = (route: string | undefined) => (route?.includes('{b}') ? 1 : 0);
  const client = {
    masters: [{}, {}],
    duplicate: () => client,
    subscribe: async () => {},
    async sendCommand(route: string | undefined, _readonly: boolean, args: string[]) {
      // The answer comes on a later turn, as a socket's does: calls sent together are in flight together.
      await new Promise((resolve) => setImmediate(resolve));
      const master = masterOf(route);
      if (args[0] === 'FUNCTION' && args[1] === 'LOAD') {
        if (loaded.has(master)) throw new Error(`ERR Library '${functionLibrary.name}' already exists`);
        loaded.add(master);
        return functionLibrary.name;
      }
      if (args[0] === 'FCALL') {
        if (!loaded.has(master)) throw new Error('ERR Function not found');
        return ['ok', master];
      }
      throw new Error(`ERR unexpected ${args[0]}`);
    },
  };
  return { client, loaded };
}

const get: LoadedScript = {
  name: 'get',
  ...scriptSources.get,
  fn: functionLibrary.functions.get,
  library: functionLibrary,
};

test('calls that find the library missing on two masters at once load it on each, and both run by FCALL', async () => {
  const { client, loaded } = twoMasterCluster();
  const adapter = adaptClient(client);
  const replies = await Promise.all([
    adapter.evalScript(get, ['{a}groups'], ['{a}', 'm', 'x']),
    adapter.evalScript(get, ['{b}groups'], ['{b}', 'm', 'x']),
  ]);
  expect(replies).toEqual([
    ['ok', 0],
    ['ok', 1],
  ]);
  expect([...loaded].sort()).toEqual([0, 1]);
  expect(adapter.functions).toBe(true);
});
