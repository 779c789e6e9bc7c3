import { Sema } from 'async-sema';
import { formatMs, formatRatio } from '../harness/format.js';
import type { BenchSettings, ScenarioOutput } from '../harness/settings.js';
import { median } from '../harness/stats.js';
import type { Section } from '../harness/table.js';

/** Times of one run: creating `count` keys, removing them all, and stopping a pool that has them. */
interface SetTiming {
  readonly createMs: number;
  readonly removeMs: number;
  readonly stopMs: number;
}

type KeyedSubject = (keys: readonly string[]) => SetTiming;

function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/**
 * Scenario 4: `set(key, 1)` of 10,000 and 100,000 new keys into an empty
 * pool, then `set(key, 0)` of each (which removes an idle group and stops
 * its actor). Peer: a `Map` of async-sema, the cheapest keyed structure.
 */
export async function setKeys(settings: BenchSettings): Promise<ScenarioOutput> {
  const pool: KeyedSubject = (keys) => {
    const subject = settings.pool.createPool<string>();
    const createMs = timed(() => {
      for (const key of keys) subject.set(key, 1);
    });
    const removeMs = timed(() => {
      for (const key of keys) subject.set(key, 0);
    });
    if (subject.keys().length !== 0) throw new Error('set(key, 0) left groups behind');
    subject.stop();
    const stopped = settings.pool.createPool<string>();
    for (const key of keys) stopped.set(key, 1);
    const stopMs = timed(() => stopped.stop());
    // Since stop keeps each key's counts (SPEC S8), closed groups stay listed: check the pool actor ended instead.
    if (stopped.actor.getSnapshot().status !== 'done') throw new Error('stop() left groups open');
    return { createMs, removeMs, stopMs };
  };
  const semaMap: KeyedSubject = (keys) => {
    const map = new Map<string, Sema>();
    const createMs = timed(() => {
      for (const key of keys) map.set(key, new Sema(1));
    });
    const removeMs = timed(() => {
      for (const key of keys) map.delete(key);
    });
    return { createMs, removeMs, stopMs: Number.NaN };
  };

  const counts = [10_000, 100_000].map((n) => Math.round(n * settings.scale));
  const rounds = Math.max(3, Math.min(settings.rounds, 5));
  const results = new Map<string, SetTiming>();
  for (const count of counts) {
    const keys = Array.from({ length: count }, (_, i) => `key-${i}`);
    for (const [name, subject] of [
      ['xstate-workpool', pool],
      ['Map of async-sema', semaMap],
    ] as const) {
      const runs: SetTiming[] = [];
      for (let round = 0; round < rounds; round++) runs.push(subject(keys));
      results.set(`${name} ${count}`, {
        createMs: median(runs.map((r) => r.createMs)),
        removeMs: median(runs.map((r) => r.removeMs)),
        stopMs: median(runs.map((r) => r.stopMs)),
      });
    }
  }

  const [small, large] = counts as [number, number];
  const at = (name: string, count: number) => results.get(`${name} ${count}`) as SetTiming;
  const rows: string[][] = [];
  for (const name of ['xstate-workpool', 'Map of async-sema']) {
    for (const count of counts) {
      const { createMs, removeMs, stopMs } = at(name, count);
      rows.push([
        name === 'xstate-workpool' ? `**${name}**` : name,
        count.toLocaleString('en-US'),
        formatMs(createMs),
        `${((createMs * 1000) / count).toFixed(2)} µs`,
        formatMs(removeMs),
        `${((removeMs * 1000) / count).toFixed(2)} µs`,
        formatMs(stopMs),
      ]);
    }
  }
  const perKey = (name: string, count: number) => at(name, count).createMs / count;
  const growth = perKey('xstate-workpool', large) / perKey('xstate-workpool', small);
  const section: Section = {
    title: '4. `set()` of new keys, and their removal',
    note:
      `\`set(key, 1)\` of each new key into an empty pool, then \`set(key, 0)\` of each (the group is idle, so it is removed and its actor stopped); ` +
      'last column: `stop()` of a pool holding that many idle keys. ' +
      `Median of ${rounds} runs. Per-key cost at ${large.toLocaleString('en-US')} keys ÷ at ${small.toLocaleString('en-US')} keys: ` +
      `**${formatRatio(growth)}** (1.00× is linear).`,
    columns: ['subject', 'keys', 'create', 'per key', 'remove', 'per key', '`stop()` with them'],
    rows,
  };
  return {
    sections: [section],
    figures: {
      set100k: at('xstate-workpool', large).createMs,
      remove100k: at('xstate-workpool', large).removeMs,
      stop100k: at('xstate-workpool', large).stopMs,
      setGrowth: growth,
      setKeyCount: large,
    },
  };
}
