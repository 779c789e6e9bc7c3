import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { bar, percent, seconds } from './format.js';
import type { PoolStats } from './stats.js';

/** What the live view's header says about the run. */
export interface RunDescription {
  readonly workers: number;
  readonly holdMs: number;
  readonly durationMs: number;
}

/** How many cells the share bar takes. */
const BAR_WIDTH = 24;

type Colors = Pick<typeof pc, 'bold' | 'dim' | 'cyan' | 'green' | 'yellow'>;

/**
 * One frame of the live view: a header, a row per key (target, active,
 * leases granted, leases revoked, a bar of its share of the leases beside the share its
 * target asks for) and the number of waiting requests.
 */
export function renderLiveFrame(stats: PoolStats, run: RunDescription, colors: Colors = pc): string {
  const keyWidth = Math.max(4, ...stats.keys.map((k) => k.key.length));
  const header = colors.bold(
    `xstate-workpool · ${run.workers} workers · hold ${run.holdMs}ms · ${seconds(stats.elapsedMs)} of ${seconds(run.durationMs)}`,
  );
  const columns = colors.dim(
    `${'key'.padEnd(keyWidth)}  target  active  leases  revoked  ${'share'.padEnd(BAR_WIDTH + 8)}  wanted`,
  );
  const rows = stats.keys.map((k) => {
    const active = `${k.active}/${k.target}`.padStart(6);
    return [
      colors.cyan(k.key.padEnd(keyWidth)),
      String(k.target).padStart(6),
      k.active >= k.target && k.target > 0 ? colors.yellow(active) : colors.green(active),
      String(k.granted).padStart(6),
      String(k.revoked).padStart(7),
      bar(k.share, BAR_WIDTH),
      percent(k.share).padStart(6),
      colors.dim(percent(k.targetShare).padStart(6)),
    ].join('  ');
  });
  const footer = colors.dim(
    stats.stopped
      ? stats.leasesOut > 0
        ? `stopping, waiting for ${stats.leasesOut} leases`
        : 'stopped'
      : `${stats.waiting} waiting · Ctrl-C stops`,
  );
  return [header, columns, ...rows, footer].join('\n');
}

/**
 * `stream` as log-update sees it: a terminal that reports 0 columns (some
 * pseudo-terminals and CI consoles do) counts as 80 wide, where log-update
 * would wrap every line to nothing.
 */
function withWidth(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, name) {
      if (name === 'columns') return target.columns || 80;
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A running view; `stop()` draws the last frame and leaves it on screen. */
export interface View {
  stop(): void;
}

/**
 * Redraws `frame()` in place on `stream` every `everyMs` milliseconds, until
 * stopped.
 */
export function startRedrawing(frame: () => string, stream: NodeJS.WriteStream, everyMs: number): View {
  const draw = createLogUpdate(withWidth(stream));
  const redraw = () => draw(frame());
  redraw();
  const timer = setInterval(redraw, everyMs);
  return {
    stop() {
      clearInterval(timer);
      redraw();
      draw.done();
    },
  };
}

/**
 * Redraws the live view in place on `stream` every `everyMs` milliseconds,
 * with what `read()` returns.
 */
export function startLiveView(
  read: () => PoolStats,
  run: RunDescription,
  stream: NodeJS.WriteStream = process.stdout,
  everyMs = 200,
): View {
  return startRedrawing(() => renderLiveFrame(read(), run), stream, everyMs);
}
