import { Bench } from 'tinybench';
import { median } from './stats.js';

/** One subject of a throughput scenario: `run` performs `opsPerRun` operations per call. */
export interface ThroughputTask {
  readonly name: string;
  readonly opsPerRun: number;
  readonly run: () => unknown;
}

/** How long and how often to measure. */
export interface RoundOptions {
  /** Rounds; every task runs once per round, in a rotated order. */
  readonly rounds: number;
  /** Milliseconds each task runs per round. */
  readonly timeMs: number;
}

/**
 * Measures every task's operations per second over several rounds, the
 * tasks interleaved (each round runs them all, starting from a different
 * one), so that noise from other load on the machine falls on all subjects
 * alike. Returns each task's per-round rates; report their median.
 */
export async function measureRounds(
  tasks: readonly ThroughputTask[],
  options: RoundOptions,
): Promise<Map<string, number[]>> {
  const rates = new Map<string, number[]>(tasks.map((task) => [task.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.timeMs,
      iterations: 3,
      warmup: true,
      warmupTime: 50,
      warmupIterations: 2,
      throws: true,
    });
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[(round + i) % tasks.length] as ThroughputTask;
      bench.add(task.name, task.run);
    }
    await bench.run();
    for (const benchTask of bench.tasks) {
      const task = tasks.find((t) => t.name === benchTask.name) as ThroughputTask;
      const result = benchTask.result;
      if (!('latency' in result)) throw new Error(`Benchmark task ${task.name} did not finish: ${result.state}`);
      const meanMs = result.latency.mean;
      rates.get(task.name)?.push((task.opsPerRun * 1000) / meanMs);
    }
  }
  return rates;
}

/** The median of each task's rates. */
export function medians(rates: Map<string, number[]>): Map<string, number> {
  return new Map([...rates].map(([name, values]) => [name, median(values)]));
}
