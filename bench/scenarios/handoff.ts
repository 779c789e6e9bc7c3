import { Sema } from 'async-sema';
import Bottleneck from 'bottleneck';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { measureRounds, medians, type ThroughputTask } from '../harness/rounds.js';
import type { BenchSettings, ScenarioOutput } from '../harness/settings.js';
import { type RateRow, throughputSection } from '../harness/throughput-table.js';
import { holdOneTurn, runWorkers, type WorkerLoop } from '../harness/workers.js';
import { trivialSender } from '../subjects/engine-floor.js';

const WORKERS = 64;
const LIMIT = 4;
/** Cycles per measured run: large enough that starting the workers is noise. */
const CYCLES = 20_000;
const KEYS = 10_000;
/** Keys worked on at once in the many-keys run: 8 workers each, so every release still hands off. */
const HOT_KEYS = 8;

/** Bottleneck schedules through timers (about 0.4 ms per job here), so it runs fewer cycles per run. */
const SLOW_CYCLES = 500;

function workerTask(name: string, loop: WorkerLoop, cycles = CYCLES): ThroughputTask {
  return { name, opsPerRun: cycles, run: () => runWorkers(loop, WORKERS, cycles) };
}

/**
 * Scenario 1: the handoff cycle on one key. 64 workers loop acquire → hold
 * across one `await` → release, limit 4, so every release hands the
 * capacity to a waiter. The engine floor (a trivial XState send) runs in
 * the same rounds.
 */
export async function handoffOneKey(settings: BenchSettings): Promise<ScenarioOutput> {
  const pool = settings.pool.createPool<string>();
  pool.set('key', LIMIT);
  const sema = new Sema(LIMIT);
  const limit = pLimit(LIMIT);
  const queue = new PQueue({ concurrency: LIMIT });
  const floor = trivialSender();

  const tasks: ThroughputTask[] = [
    workerTask('xstate-workpool', async (budget) => {
      while (budget.take()) {
        const lease = await pool.acquire();
        await null;
        lease.release();
      }
    }),
    workerTask('async-sema Sema(4)', async (budget) => {
      while (budget.take()) {
        await sema.acquire();
        await null;
        sema.release();
      }
    }),
    workerTask('p-limit(4)', async (budget) => {
      while (budget.take()) await limit(holdOneTurn);
    }),
    workerTask('p-queue concurrency 4', async (budget) => {
      while (budget.take()) await queue.add(holdOneTurn);
    }),
    { name: 'XState trivial send', opsPerRun: CYCLES, run: () => floor.send(CYCLES) },
  ];
  const rates = medians(await measureRounds(tasks, settings));
  pool.stop();
  floor.actor.stop();

  const rate = (name: string) => rates.get(name) ?? Number.NaN;
  const rows: RateRow[] = [
    { name: 'xstate-workpool', opsPerSecond: rate('xstate-workpool'), kind: 'pool' },
    { name: 'async-sema Sema(4)', opsPerSecond: rate('async-sema Sema(4)'), kind: 'peer' },
    { name: 'p-limit(4)', opsPerSecond: rate('p-limit(4)'), kind: 'peer' },
    { name: 'p-queue concurrency 4', opsPerSecond: rate('p-queue concurrency 4'), kind: 'peer' },
    { name: 'XState trivial `assign` send (engine floor)', opsPerSecond: rate('XState trivial send'), kind: 'floor' },
  ];
  return {
    sections: [
      throughputSection(
        '1. Handoff cycle, one key',
        `${WORKERS} workers loop acquire → hold across one \`await\` → release, limit ${LIMIT}: every release hands off to a waiter. ` +
          `One op = one cycle. Median of ${settings.rounds} interleaved rounds.`,
        rows,
      ),
    ],
    figures: {
      handoffOneKey: rate('xstate-workpool'),
      trivialSend: rate('XState trivial send'),
      handoffBestPeer: Math.max(rate('async-sema Sema(4)'), rate('p-limit(4)'), rate('p-queue concurrency 4')),
    },
  };
}

/**
 * Scenario 2: the same cycle with 10,000 keys in the pool, limit 4 each.
 * The 64 workers work on 8 keys at a time (8 workers per key, so every
 * release still hands off), and each run moves on to the next 8 keys, so
 * the whole key space is walked. Peers: Bottleneck.Group and a `Map` of
 * async-sema per key.
 */
export async function handoffManyKeys(settings: BenchSettings): Promise<ScenarioOutput> {
  const keyCount = Math.max(HOT_KEYS, Math.round(KEYS * settings.scale));
  const keys = Array.from({ length: keyCount }, (_, i) => `key-${i}`);
  let window = 0;
  /** The key worker `worker` uses in the current run. */
  const keyOf = (worker: number) => keys[(window * HOT_KEYS + (worker % HOT_KEYS)) % keyCount] as string;

  const pool = settings.pool.createPool<string>();
  for (const key of keys) pool.set(key, LIMIT);
  // The same keyed calls on a pool of one key, to tell the cost of naming a key from the cost of many keys.
  const onePool = settings.pool.createPool<string>();
  onePool.set('key', LIMIT);
  const semas = new Map(keys.map((key) => [key, new Sema(LIMIT)]));
  const group = new Bottleneck.Group({ maxConcurrent: LIMIT });
  for (const key of keys) group.key(key);

  const moving = (loop: WorkerLoop): WorkerLoop => {
    return (budget, worker) => {
      if (worker === 0) window++;
      return loop(budget, worker);
    };
  };
  const tasks: ThroughputTask[] = [
    workerTask(
      'xstate-workpool',
      moving(async (budget, worker) => {
        const options = { key: keyOf(worker) };
        while (budget.take()) {
          const lease = await pool.acquire(options);
          await null;
          lease.release();
        }
      }),
    ),
    workerTask('xstate-workpool, 1 key', async (budget) => {
      const options = { key: 'key' };
      while (budget.take()) {
        const lease = await onePool.acquire(options);
        await null;
        lease.release();
      }
    }),
    workerTask(
      'Map of async-sema',
      moving(async (budget, worker) => {
        const key = keyOf(worker);
        while (budget.take()) {
          const sema = semas.get(key) as Sema;
          await sema.acquire();
          await null;
          sema.release();
        }
      }),
    ),
    workerTask(
      'Bottleneck.Group',
      moving(async (budget, worker) => {
        const key = keyOf(worker);
        while (budget.take()) await group.key(key).schedule(holdOneTurn);
      }),
      SLOW_CYCLES,
    ),
  ];
  const rates = medians(await measureRounds(tasks, settings));
  pool.stop();
  onePool.stop();
  await group.disconnect?.();

  const rate = (name: string) => rates.get(name) ?? Number.NaN;
  return {
    sections: [
      throughputSection(
        `2. Handoff cycle, ${keyCount.toLocaleString('en-US')} keys`,
        `${keyCount.toLocaleString('en-US')} keys with limit ${LIMIT} each; ${WORKERS} workers on ${HOT_KEYS} keys at a time ` +
          `(${WORKERS / HOT_KEYS} per key, so every release hands off), moving to the next ${HOT_KEYS} keys each run. ` +
          'Workers name their key (`acquire({ key })`).',
        [
          { name: 'xstate-workpool', opsPerSecond: rate('xstate-workpool'), kind: 'pool' },
          {
            name: 'xstate-workpool, 1 key, same `acquire({ key })` calls',
            opsPerSecond: rate('xstate-workpool, 1 key'),
            kind: 'pool',
          },
          { name: 'Map of async-sema Sema(4)', opsPerSecond: rate('Map of async-sema'), kind: 'peer' },
          { name: 'Bottleneck.Group maxConcurrent 4', opsPerSecond: rate('Bottleneck.Group'), kind: 'peer' },
        ],
      ),
    ],
    figures: { handoffManyKeys: rate('xstate-workpool'), handoffOneKeyKeyed: rate('xstate-workpool, 1 key') },
  };
}
