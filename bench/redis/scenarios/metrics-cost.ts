import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createClient } from 'redis';
import { instrumentPool } from '../../../src/metrics/index.js';
import type { RedisPool } from '../../../src/redis/index.js';
import { formatCount } from '../../harness/format.js';
import type { Section } from '../../harness/table.js';
import type { RedisBenchContext } from '../context.js';
import { loadRedisPoolModule } from '../subjects.js';

/** What an instrumented member costs, per `tryAcquire`→`release` cycle. */
export interface MetricsCostFigures {
  readonly plainCpuUs: number;
  readonly instrumentedCpuUs: number;
}

/** Runs `tryAcquire`→`release` cycles for `ms`; returns cycles and the member process's CPU µs spent. */
async function cycles(pool: RedisPool<string>, ms: number): Promise<{ cycles: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const until = performance.now() + ms;
  let count = 0;
  while (performance.now() < until) {
    const lease = await pool.tryAcquire({ key: 'k' });
    if (!lease) throw new Error('the only member found no free lease');
    await lease.release();
    count++;
  }
  const used = process.cpuUsage(cpu);
  return { cycles: count, cpuUs: used.user + used.system };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * One node-redis member of a pool doing `tryAcquire`→`release` alone,
 * uninstrumented and instrumented (`keyAttribute: (k) => k`, an SDK meter)
 * in interleaved rounds: the process's CPU per cycle, which is what the
 * instrumentation adds to (wall time is mostly Redis round trips).
 */
export async function metricsCost(
  context: RedisBenchContext,
): Promise<{ section: Section; figures: MetricsCostFigures }> {
  const { module } = await loadRedisPoolModule();
  const redis = await createClient({ url: context.url }).connect();
  const rounds = context.quick ? 1 : 5;
  const ms = context.quick ? 300 : 1_500;
  const plain: number[] = [];
  const instrumented: number[] = [];
  const rates: { plain: number[]; instrumented: number[] } = { plain: [], instrumented: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const withMetrics of round % 2 === 0 ? [false, true] : [true, false]) {
        const pool = (await module.createRedisPool<string>({
          redis,
          name: `metrics-cost-${round}-${withMetrics}`,
          prefix: 'bench',
        })) as unknown as RedisPool<string>;
        await pool.set('k', 1);
        const provider = new MeterProvider();
        const handle = withMetrics
          ? instrumentPool(pool, { meter: provider.getMeter('bench'), keyAttribute: (k) => k })
          : undefined;
        await cycles(pool, ms / 5);
        const run = await cycles(pool, ms);
        handle?.remove();
        await pool.set('k', 0);
        await pool.stop();
        await provider.shutdown();
        (withMetrics ? instrumented : plain).push(run.cpuUs / run.cycles);
        rates[withMetrics ? 'instrumented' : 'plain'].push(run.cycles / (ms / 1000));
      }
    }
  } finally {
    await redis.close();
  }
  const figures = { plainCpuUs: median(plain), instrumentedCpuUs: median(instrumented) };
  const section: Section = {
    title: 'Metrics on a member',
    note:
      'One node-redis member alone doing `tryAcquire`→`release` on one key, without and with `instrumentPool` ' +
      '(`keyAttribute: (k) => k`, an OpenTelemetry SDK meter): CPU of the member process per cycle ' +
      `(process.cpuUsage), median of ${rounds} interleaved rounds of ${ms} ms. An uninstrumented member runs no ` +
      'code of the metrics subpath; its hook is an empty loop over no listener.',
    columns: ['member', 'CPU per cycle', 'cycles/s'],
    rows: [
      ['uninstrumented', `${figures.plainCpuUs.toFixed(0)} µs`, formatCount(median(rates.plain))],
      ['instrumented', `${figures.instrumentedCpuUs.toFixed(0)} µs`, formatCount(median(rates.instrumented))],
      ['difference', `${(figures.instrumentedCpuUs - figures.plainCpuUs).toFixed(0)} µs`, ''],
    ],
  };
  return { section, figures };
}
