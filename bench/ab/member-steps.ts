// Usage: node --import tsx bench/ab/member-steps.ts <a src directory> [cycles] [--count] — the CPU a Redis member's own
// actors spend per acquire→grant→release cycle, with a script runner that answers at once (no Redis, no sockets, no
// client): request.start, a queued reply, a grant notice, a release. Prints the best and the median of 8 rounds, µs per
// cycle; `--count` prints instead what XState's inspection saw per cycle (events, microsteps, snapshots, actions), a
// figure the machine's load does not move. Give it another checkout's src directory to compare two versions of the
// member; run them alternately, since absolute figures swing with the machine's load (bench/ab/member-cpu.ts measures
// the same cycle against a real redis-server).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AnyActorRef, createActor, type InspectionEvent } from 'xstate';
import type * as Link from '../../src/redis/member-link.js';
import type * as Member from '../../src/redis/member-machine.js';
import type { PoolRunner } from '../../src/redis/pool-runner.js';
import type { RedisLease } from '../../src/redis/redis-pool.js';
import type { SeenCounts } from '../../src/redis/script-runner.js';

const root = process.argv[2];
if (!root) throw new TypeError('Expected the path of a src directory as the first argument');
const cycles = Number(process.argv[3] ?? 16_000);
const counting = process.argv.includes('--count');
const load = (file: string) => import(pathToFileURL(resolve(root, 'redis', file)).href);
const { MemberLink } = (await load('member-link.ts')) as typeof Link;
const { memberMachine } = (await load('member-machine.ts')) as typeof Member;

const counts: SeenCounts = { key: 'k', target: 4, active: 4 };
// A handoff under contention: each acquire queues, a notice grants it, its release passes the lease on (counts stay).
const runner = {
  member: 'm',
  process: 'm',
  acquire: () => Promise.resolve({ status: 'queued' }),
  release: () => Promise.resolve(counts),
  join: () => Promise.resolve([0]),
  shardOfLease: () => 0,
  shardOfKey: () => 0,
} as unknown as PoolRunner;
const link = new MemberLink(runner, 30_000, new AbortController().signal);

/** What inspection saw, by kind of event (`@xstate.event` by event type, `@xstate.action` by action type). */
const seen = new Map<string, number>();
function tally(event: InspectionEvent): void {
  const kind =
    event.type === '@xstate.event'
      ? `event ${event.event.type.replace(/\d+/g, 'N')}`
      : event.type === '@xstate.action'
        ? `action ${event.action.type}`
        : event.type;
  seen.set(kind, (seen.get(kind) ?? 0) + 1);
}
const member = createActor(memberMachine, {
  input: { member: 'm', leaseTtl: 30_000, link },
  ...(counting ? { inspect: tally } : {}),
});
// As the facade does: counts the member's group child already shows are not sent (where the member can tell).
link.observe = (shown) => {
  const groups = member.getSnapshot().context.groups as { shows?: (counts: SeenCounts) => boolean };
  if (!groups.shows?.(shown)) member.send({ type: 'counts.seen', ...shown });
};
member.start();
await new Promise((done) => setTimeout(done, 10));

let lease = 0;
async function cycle(): Promise<void> {
  const granted = new Promise<RedisLease<string> | undefined>((resolve, reject) => {
    member.send({ type: 'request.start', mode: 'acquire', key: 'k', signal: undefined, settle: { resolve, reject } });
  });
  // The queued reply is on its way for a few microtasks.
  for (let i = 0; i < 3; i++) await null;
  const request = [...member.getSnapshot().context.requests.byId.keys()].at(-1) ?? 0;
  const notice = { type: 'grant', request, lease: ++lease, target: 4, active: 4, key: 'k' } as const;
  member.send({ type: 'notice.received', notice });
  await (await granted)?.release();
}

for (let i = 0; i < cycles / 5; i++) await cycle();
if (counting) {
  seen.clear();
  for (let i = 0; i < 1_000; i++) await cycle();
  const rows = [...seen].sort(([a], [b]) => a.localeCompare(b));
  console.log(rows.map(([kind, n]) => `${(n / 1_000).toFixed(2).padStart(6)} ${kind}`).join('\n'));
} else {
  const rounds: number[] = [];
  for (let round = 0; round < 8; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < cycles / 8; i++) await cycle();
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / (cycles / 8));
  }
  rounds.sort((a, b) => a - b);
  const left = (member.getSnapshot().context.requests.all as Set<AnyActorRef>).size;
  console.log(
    JSON.stringify({
      root,
      cycles,
      bestMicros: +(rounds[0] ?? 0).toFixed(1),
      medianMicros: +(rounds[4] ?? 0).toFixed(1),
      requestsLeft: left,
    }),
  );
}
process.exit(0);
