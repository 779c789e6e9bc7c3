import pc from 'picocolors';
import { bar, percent, seconds } from './format.js';
import { startRedrawing, type View } from './live-view.js';
import type { KeyStats } from './stats.js';

/** One member process of the Redis demo, as the views show it. */
export interface MemberRow {
  /** 1-based, as `--kill-member` names them. */
  readonly index: number;
  readonly pid: number;
  readonly granted: number;
  /** Leases it holds now (0 once killed: they are the pool's to take back). */
  readonly held: number;
  readonly state: 'joining' | 'running' | 'killed' | 'left';
}

/** The fleet at one moment: fleet-wide counts per key (from Redis) and each member's grants. */
export interface FleetStats {
  readonly keys: readonly KeyStats[];
  readonly members: readonly MemberRow[];
  /** Active leases no living member holds: those of a killed member, until the pool takes them back. */
  readonly heldByKilled: number;
  /** What happened to the killed member's share, if one was killed. */
  readonly event: string | undefined;
  readonly elapsedMs: number;
  readonly stopped: boolean;
}

/** What the Redis live view's header says about the run. */
export interface FleetRunDescription {
  readonly workers: number;
  readonly holdMs: number;
  readonly durationMs: number;
  readonly redis: string;
}

function memberCell(m: MemberRow): string {
  return `${m.index}:${m.granted}${m.state === 'running' ? '' : `(${m.state})`}`;
}

/** One plain line: time, each key's fleet-wide active/target and leases, each member's grants, what a killed member still holds. */
export function formatFleetLine(stats: FleetStats): string {
  const keys = stats.keys.map(
    (k) => `${k.key} ${k.active}/${k.target} active, ${k.granted} leases (${percent(k.share)})`,
  );
  return [
    seconds(stats.elapsedMs).padStart(6),
    keys.join(' · '),
    `members ${stats.members.map(memberCell).join(' ')}`,
    `${stats.heldByKilled} held by killed`,
  ].join('  ');
}

const BAR_WIDTH = 24;

/** One frame of the Redis live view: fleet-wide rows per key, then a row per member. */
export function renderFleetFrame(stats: FleetStats, run: FleetRunDescription, colors = pc): string {
  const keyWidth = Math.max(6, ...stats.keys.map((k) => k.key.length));
  const header = colors.bold(
    `xstate-workpool · Redis mode · ${stats.members.length} members · ${run.workers} workers · hold ${run.holdMs}ms · ` +
      `${seconds(stats.elapsedMs)} of ${seconds(run.durationMs)}`,
  );
  const keyColumns = colors.dim(
    `${'key'.padEnd(keyWidth)}  target  active  leases  ${'share'.padEnd(BAR_WIDTH + 8)}  wanted   (fleet-wide, from ${run.redis})`,
  );
  const keyRows = stats.keys.map((k) =>
    [
      colors.cyan(k.key.padEnd(keyWidth)),
      String(k.target).padStart(6),
      `${k.active}/${k.target}`.padStart(6),
      String(k.granted).padStart(6),
      bar(k.share, BAR_WIDTH),
      percent(k.share).padStart(6),
      colors.dim(percent(k.targetShare).padStart(6)),
    ].join('  '),
  );
  const total = stats.members.reduce((sum, m) => sum + m.granted, 0);
  const memberColumns = colors.dim(
    `${'member'.padEnd(keyWidth)}  pid      leases  holds  ${'share'.padEnd(BAR_WIDTH + 8)}  state`,
  );
  const memberRows = stats.members.map((m) =>
    [
      `member ${m.index}`.padEnd(keyWidth),
      String(m.pid).padEnd(7),
      String(m.granted).padStart(6),
      String(m.held).padStart(5),
      bar(total === 0 ? 0 : m.granted / total, BAR_WIDTH),
      percent(total === 0 ? 0 : m.granted / total).padStart(6),
      m.state === 'killed' ? colors.yellow(m.state) : m.state,
    ].join('  '),
  );
  const footer = colors.dim(
    stats.stopped
      ? 'stopped'
      : `${stats.heldByKilled} leases held by a killed member${stats.event ? ` · ${stats.event}` : ''} · Ctrl-C stops`,
  );
  return [header, keyColumns, ...keyRows, '', memberColumns, ...memberRows, footer].join('\n');
}

/** Redraws the Redis live view in place every `everyMs` milliseconds. */
export function startFleetLiveView(
  read: () => FleetStats,
  run: FleetRunDescription,
  stream: NodeJS.WriteStream,
  everyMs = 200,
): View {
  return startRedrawing(() => renderFleetFrame(read(), run), stream, everyMs);
}

/** Writes a plain line every `everyMs` milliseconds and a last one at `stop()`. */
export function startFleetLines(read: () => FleetStats, write: (line: string) => void, everyMs = 1_000): View {
  const timer = setInterval(() => write(formatFleetLine(read())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      write(formatFleetLine(read()));
    },
  };
}
