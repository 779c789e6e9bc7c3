import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Pool } from '../../src/index.js';
import { formatCount, formatMicros } from '../harness/format.js';
import { measureRounds, medians, type ThroughputTask } from '../harness/rounds.js';
import type { BenchSettings, ScenarioOutput } from '../harness/settings.js';
import { runWorkers } from '../harness/workers.js';
import { loadMetricsModule } from '../subjects/metrics-module.js';

const LIMIT = 4;
const WORKERS = 64;
const CYCLES = 20_000;

/** A reader that never collects during the runs: what is measured is recording, not exporting. */
class IdleReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function tryCycles(pool: Pool<string>): () => void {
  return () => {
    for (let i = 0; i < CYCLES; i++) {
      const lease = pool.tryAcquire();
      if (!lease) throw new Error('tryAcquire() found no capacity in an idle pool');
      lease.release();
    }
  };
}

function handoffCycles(pool: Pool<string>): () => Promise<void> {
  return () =>
    runWorkers(
      async (budget) => {
        while (budget.take()) {
          const lease = await pool.acquire();
          await null;
          lease.release();
        }
      },
      WORKERS,
      CYCLES,
    );
}

/**
 * What `instrumentPool` costs: the same cycles on pools with and without
 * it, interleaved in one process (SDK meter, a reader that does not
 * collect during the runs). The extra time per cycle is the difference of
 * the per-cycle times.
 */
export async function metricsCost(settings: BenchSettings): Promise<ScenarioOutput> {
  const { instrumentPool } = await loadMetricsModule();
  const provider = new MeterProvider({ readers: [new IdleReader()] });
  const meter = provider.getMeter('bench');
  const pools = {
    plain: settings.pool.createPool<string>(),
    instrumented: settings.pool.createPool<string>(),
    keyed: settings.pool.createPool<string>(),
    plainHandoff: settings.pool.createPool<string>(),
    instrumentedHandoff: settings.pool.createPool<string>(),
    namedHandoff: settings.pool.createPool<string>(),
  };
  for (const pool of Object.values(pools)) pool.set('key', LIMIT);
  const handles = [
    instrumentPool(pools.instrumented, { meter }),
    instrumentPool(pools.keyed, { meter, keyAttribute: (key) => key }),
    instrumentPool(pools.instrumentedHandoff, { meter }),
    instrumentPool(pools.namedHandoff, { meter, poolName: 'bench', keyAttribute: (key) => key }),
  ];
  const tasks: ThroughputTask[] = [
    { name: 'try plain', opsPerRun: CYCLES, run: tryCycles(pools.plain) },
    { name: 'try instrumented', opsPerRun: CYCLES, run: tryCycles(pools.instrumented) },
    { name: 'try keyed', opsPerRun: CYCLES, run: tryCycles(pools.keyed) },
    { name: 'handoff plain', opsPerRun: CYCLES, run: handoffCycles(pools.plainHandoff) },
    { name: 'handoff instrumented', opsPerRun: CYCLES, run: handoffCycles(pools.instrumentedHandoff) },
    { name: 'handoff named', opsPerRun: CYCLES, run: handoffCycles(pools.namedHandoff) },
  ];
  // Twice the rounds of the other scenarios: its ratios are a target of their own (issue 21), and a loaded machine
  // moved the median of 4 rounds by ±15 % between identical runs.
  const rounds = settings.rounds * 2;
  const rates = medians(await measureRounds(tasks, { ...settings, rounds }));
  for (const handle of handles) handle.remove();
  for (const pool of Object.values(pools)) pool.stop();
  await provider.shutdown();

  const rate = (name: string) => rates.get(name) ?? Number.NaN;
  const row = (label: string, name: string, base: string) => [
    label,
    formatCount(rate(name)),
    formatMicros(1000 / rate(name)),
    name === base ? '–' : formatMicros(1000 / rate(name) - 1000 / rate(base)),
  ];
  return {
    sections: [
      {
        title: '7. Cost of `instrumentPool` (xstate-workpool/metrics)',
        note:
          `Pools with limit ${LIMIT}, with and without \`instrumentPool\` on an OpenTelemetry SDK meter (a reader that does not ` +
          `collect during the runs), interleaved. \`tryAcquire()\` → \`release()\` cycles, and the handoff cycle of scenario 1 ` +
          `(${WORKERS} workers). Median of ${rounds} interleaved rounds; "extra" is the difference of the per-cycle times.`,
        columns: ['subject', 'median cycles/s', 'per cycle', 'extra per cycle'],
        rows: [
          row('`tryAcquire` → `release`, not instrumented', 'try plain', 'try plain'),
          row('`tryAcquire` → `release`, instrumented', 'try instrumented', 'try plain'),
          row('`tryAcquire` → `release`, instrumented, `keyAttribute`', 'try keyed', 'try plain'),
          row('handoff, not instrumented', 'handoff plain', 'handoff plain'),
          row('handoff, instrumented', 'handoff instrumented', 'handoff plain'),
          row('handoff, instrumented, `poolName` and `keyAttribute`', 'handoff named', 'handoff plain'),
        ],
      },
    ],
    figures: {
      metricsTryPlain: rate('try plain'),
      metricsTryInstrumented: rate('try instrumented'),
      metricsHandoffPlain: rate('handoff plain'),
      metricsHandoffInstrumented: rate('handoff instrumented'),
      metricsHandoffNamed: rate('handoff named'),
    },
  };
}
