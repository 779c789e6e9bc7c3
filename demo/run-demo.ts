import { createPool } from '../src/index.js';
import { type InspectSession, startInspectSession } from '../src/inspect/index.js';
import { isLoopback } from '../src/inspect/relay-address.js';
import { instrumentPool } from '../src/metrics/index.js';
import { formatFinalTable } from './final-table.js';
import { startLiveView, type View } from './live-view.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';
import type { DemoOptions } from './options.js';
import { formatStoppingLine, startPlainLines } from './plain-lines.js';
import { readStats } from './stats.js';
import { startWorkload } from './workload.js';

/** Where the demo writes, and whether that is a terminal. */
export interface DemoOutput {
  readonly stream: NodeJS.WriteStream;
  readonly isTerminal: boolean;
}

function describeTargets(targets: DemoOptions['targets']): string {
  return targets.map(([key, target]) => `${key}=${target}`).join(' ');
}

/**
 * Runs the demo: sets the targets, starts the workers, shows the pool (a
 * live view on a terminal, plain lines once a second otherwise) until the
 * duration ends or SIGINT/SIGTERM comes, then stops the pool, waits for
 * every lease to be released and prints the final table. Resolves when all
 * of that is done, with nothing left running.
 */
export async function runDemo(options: DemoOptions, output: DemoOutput): Promise<void> {
  const print = (text: string) => output.stream.write(`${text}\n`);
  let session: InspectSession | undefined;
  if (options.inspect) {
    session = await startInspectSession({
      port: options.inspectPort,
      host: options.inspectHost,
      autoOpen: options.open,
    });
    print(`Inspect the pool: open ${session.pageUrl} in a browser (the relay listens on ${options.inspectHost}).`);
    if (!isLoopback(options.inspectHost)) {
      print(`Warning: anyone who can reach ${options.inspectHost} sees every key and event of this pool.`);
    }
  }

  const pool = createPool<string>(session ? { inspect: session.inspect } : {});
  let metrics: MetricsServer | undefined;
  if (options.metrics) {
    try {
      metrics = await startMetricsServer({ port: options.metricsPort, host: options.metricsHost });
    } catch (error) {
      await session?.close();
      throw error;
    }
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (key) => key, poolName: 'demo' });
    print(`Serving Prometheus metrics at ${metrics.url}`);
    if (!isLoopback(options.metricsHost)) {
      print(`Warning: anyone who can reach ${options.metricsHost} reads this pool's keys and counts.`);
    }
  }
  // Stays on until the end, for each signal: `npm start` forwards Ctrl-C on
  // top of the terminal's own, and log-update's cursor restorer re-raises a
  // signal when it finds no other listener for it.
  const onSignal = () => pool.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = setTimeout(() => pool.stop(), options.durationMs);

  for (const [key, target] of options.targets) pool.set(key, target);
  const changeTimers = options.changes.map(({ atMs, key, target }) =>
    setTimeout(() => {
      if (!pool.stopped) pool.set(key, target);
    }, atMs),
  );
  print(
    `Running ${describeTargets(options.targets)} with ${options.workers} workers, each holding a lease ${options.holdMs}ms, for ${options.durationMs}ms (Ctrl-C stops).`,
  );
  const started = performance.now();
  const workload = startWorkload(pool, options.workers, options.holdMs);
  const read = () => readStats(pool, options.targets, workload.granted, performance.now() - started, workload.revoked);
  const run = { workers: options.workers, holdMs: options.holdMs, durationMs: options.durationMs };
  const view: View =
    output.isTerminal && !options.plain
      ? startLiveView(read, run, output.stream)
      : startPlainLines(read, (line) => print(line));

  // The leases out at the moment of stop: pool.signal's listeners run once granting has ended and
  // before the leases' signals ask their holders to wind down. On a terminal the live view's footer
  // says it; in plain lines, one line.
  const live = output.isTerminal && !options.plain;
  pool.signal.addEventListener(
    'abort',
    () => {
      const atStop = read();
      if (atStop.leasesOut > 0 && !live) print(formatStoppingLine(atStop));
    },
    { once: true },
  );
  await pool.done;
  await workload.finished;
  await pool.drained();
  clearTimeout(timer);
  for (const changeTimer of changeTimers) clearTimeout(changeTimer);
  view.stop();

  print('');
  print(formatFinalTable(options.targets, workload.granted, options.workers, workload.revoked));
  await session?.close();
  await metrics?.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
