import { formatBytes, formatCount, formatMicros, formatMs, formatRatio } from './harness/format.js';
import type { Figures } from './harness/settings.js';
import type { Section } from './harness/table.js';
import type { EventsPerCycle } from './scenarios/event-count.js';

const perCycle = (events: EventsPerCycle) =>
  `${(events.pool + events.groups).toFixed(2)} events/cycle (pool ${events.pool.toFixed(2)}, groups ${events.groups.toFixed(2)})`;

/** The issue's targets, each with the figure measured in this run and whether it is met. */
export function targetsSection(f: Figures, events: { handoff: EventsPerCycle; tryAcquire: EventsPerCycle }): Section {
  const row = (target: string, figure: string, met: boolean) => [target, figure, met ? 'met' : '**not met**'];
  const handoffRatio = (f.handoffOneKey as number) / (f.trivialSend as number);
  const tryRatio = (f.tryAcquire as number) / (f.trivialSendTry as number);
  const keysRatio = (f.handoffManyKeys as number) / (f.handoffOneKey as number);
  return {
    title: 'Issue #7 targets',
    note: 'The targets of issue #7, against the figures of this run (the trivial send is measured in the same rounds).',
    columns: ['target', 'this run', 'status'],
    rows: [
      row(
        'handoff cycle ≥ 0.5× trivial send',
        `${formatCount(f.handoffOneKey as number)}/s = ${formatRatio(handoffRatio)}; ${perCycle(events.handoff)}`,
        handoffRatio >= 0.5,
      ),
      row(
        '`tryAcquire()`→`release()` ≥ 0.5× trivial send',
        `${formatCount(f.tryAcquire as number)}/s = ${formatRatio(tryRatio)}; ${perCycle(events.tryAcquire)}`,
        tryRatio >= 0.5,
      ),
      row(
        '10k keys ≥ 0.9× one key',
        `${formatCount(f.handoffManyKeys as number)}/s = ${formatRatio(keysRatio)} of scenario 1; ` +
          `${formatRatio((f.handoffManyKeys as number) / (f.handoffOneKeyKeyed as number))} of one key with the same keyed calls`,
        keysRatio >= 0.9,
      ),
      row(
        `\`set\` of ${formatCount(f.setKeyCount as number)} keys ≤ 0.5 s, linear`,
        `${formatMs(f.set100k as number)}; per-key growth 10× keys: ${formatRatio(f.setGrowth as number)}`,
        (f.set100k as number) <= 500 && (f.setGrowth as number) <= 1.3,
      ),
      row('≤ 2 KB heap per idle key', formatBytes(f.heapPerIdleKey as number), (f.heapPerIdleKey as number) <= 2048),
    ],
  };
}

/** The targets of issue #12 (the in-process hot path at the engine's floor), against the figures of this run. */
export function issue12TargetsSection(f: Figures): Section {
  const row = (target: string, figure: string, met: boolean) => [target, figure, met ? 'met' : '**not met**'];
  const handoffRatio = (f.handoffOneKey as number) / (f.trivialSend as number);
  const tryRatio = (f.tryAcquire as number) / (f.trivialSendTry as number);
  const latency = f.latencyP50 as number;
  return {
    title: 'Issue #12 targets',
    note: 'The targets of issue #12, against the figures of this run (ratios to the trivial send measured in the same rounds).',
    columns: ['target', 'this run', 'status'],
    rows: [
      row('handoff cycle ≥ 0.5× trivial send', formatRatio(handoffRatio), handoffRatio >= 0.5),
      row('`tryAcquire()`→`release()` ≥ 0.3× trivial send', formatRatio(tryRatio), tryRatio >= 0.3),
      row('grant latency p50 ≤ 4 µs', formatMicros(latency), latency <= 0.004),
      row(
        `\`set\` of ${formatCount(f.setKeyCount as number)} keys ≤ 0.8 s, linear`,
        `${formatMs(f.set100k as number)}; per-key growth 10× keys: ${formatRatio(f.setGrowth as number)}`,
        (f.set100k as number) <= 800 && (f.setGrowth as number) <= 1.3,
      ),
      row('≤ 2 KB heap per idle key', formatBytes(f.heapPerIdleKey as number), (f.heapPerIdleKey as number) <= 2048),
    ],
  };
}

/**
 * The targets of issue #21 item 2 (metrics that cost little): an instrumented pool at ≥ 0.85× the cycles/s of
 * a plain one, both measured in the same rounds of scenario 7.
 */
export function issue21TargetsSection(f: Figures): Section {
  const row = (target: string, figure: string, met: boolean) => [target, figure, met ? 'met' : '**not met**'];
  const tryRatio = (f.metricsTryInstrumented as number) / (f.metricsTryPlain as number);
  const handoffRatio = (f.metricsHandoffInstrumented as number) / (f.metricsHandoffPlain as number);
  return {
    title: 'Issue #21 targets',
    note: 'Scenario 7: `instrumentPool` on an OpenTelemetry SDK meter, against the same pool uninstrumented, interleaved.',
    columns: ['target', 'this run', 'status'],
    rows: [
      row(
        'instrumented `tryAcquire()`→`release()` ≥ 0.85× plain',
        `${formatCount(f.metricsTryInstrumented as number)}/s against ${formatCount(f.metricsTryPlain as number)}/s = ${formatRatio(tryRatio)}`,
        tryRatio >= 0.85,
      ),
      row(
        'instrumented handoff ≥ 0.85× plain',
        `${formatCount(f.metricsHandoffInstrumented as number)}/s against ${formatCount(f.metricsHandoffPlain as number)}/s = ${formatRatio(handoffRatio)}`,
        handoffRatio >= 0.85,
      ),
    ],
  };
}
