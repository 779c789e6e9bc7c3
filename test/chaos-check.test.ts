import { describe, expect, it } from 'vitest';
import { checkRun, type MemberLog } from '../chaos/redis/check.js';
import type { ChaosEvent, MemberEvent } from '../chaos/redis/events.js';
import { FAILOVER_SLACK_MS } from '../chaos/redis/failover-windows.js';
import { classifyUnlogged, memberProcess } from '../chaos/redis/unlogged.js';

const TTL = 1_000;

function member(pid: number, ...events: MemberEvent[]): MemberLog {
  return { events: [{ ev: 'join', member: `m${pid}`, pid, t: 0 }, ...events] };
}

const setTo = (key: string, target: number, t0: number, t = t0 + 1): MemberEvent[] => [
  { ev: 'set', key, target, t0 },
  { ev: 'set-end', t0, t, ok: true },
];

const held = (id: number, key: string, t0: number, t: number, releasedAt: number): MemberEvent[] => [
  { ev: 'grant', id, key, t0, t },
  { ev: 'release', id, t: releasedAt },
  { ev: 'released', id, t: releasedAt + 1 },
];

const rules = (logs: MemberLog[], chaos: ChaosEvent[] = []) => checkRun(logs, chaos, TTL).violations.map((v) => v.rule);

describe('chaos checker', () => {
  it('finds no violation in leases that follow the rules', () => {
    const logs = [member(1, ...setTo('a', 1, 0), ...held(1, 'a', 5, 6, 10)), member(2, ...held(2, 'a', 7, 11, 20))];
    expect(rules(logs)).toEqual([]);
  });

  it('reports two leases live at once on a key whose target was 1', () => {
    const logs = [member(1, ...setTo('a', 1, 0), ...held(1, 'a', 5, 6, 30)), member(2, ...held(2, 'a', 7, 10, 20))];
    expect(rules(logs)).toEqual(['over target']);
  });

  it('allows leases over a target lowered after they were granted (draining)', () => {
    const logs = [
      member(1, ...setTo('a', 2, 0), ...held(1, 'a', 5, 6, 40), ...setTo('a', 1, 20)),
      member(2, ...held(2, 'a', 5, 7, 30)),
    ];
    expect(rules(logs)).toEqual([]);
  });

  it('counts a set that may have landed during the request as possibly in effect', () => {
    const logs = [
      member(1, ...setTo('a', 1, 0), ...held(1, 'a', 5, 6, 40), ...setTo('a', 2, 8, 12), ...setTo('a', 1, 13)),
      member(2, ...held(2, 'a', 9, 11, 30)),
    ];
    expect(rules(logs)).toEqual([]);
  });

  it('reports a lease id granted twice', () => {
    const logs = [member(1, ...setTo('a', 2, 0), ...held(1, 'a', 5, 6, 10)), member(2, ...held(1, 'a', 7, 11, 20))];
    expect(rules(logs)).toEqual(['id granted twice']);
  });

  it('reports a lower id granted to a request made after a higher one resolved', () => {
    const logs = [member(1, ...setTo('a', 2, 0), ...held(5, 'a', 1, 2, 3)), member(2, ...held(4, 'a', 4, 6, 8))];
    expect(rules(logs)).toEqual(['ids out of grant order']);
  });

  it('holds ids to grant order within each shard of a sharded pool, not across shards (D9)', () => {
    // Shards of 2: id 7 (shard 1) then id 4 (shard 0) is allowed; id 7 then id 5 (both shard 1) is not.
    const across = [
      member(1, ...setTo('a', 2, 0), ...setTo('b', 1, 0), ...held(7, 'a', 1, 2, 3)),
      member(2, ...held(4, 'b', 4, 6, 8)),
    ];
    expect(checkRun(across, [], TTL, 2).violations).toEqual([]);
    const within = [member(1, ...setTo('a', 2, 0), ...held(7, 'a', 1, 2, 3)), member(2, ...held(5, 'a', 4, 6, 8))];
    expect(checkRun(within, [], TTL, 2).violations.map((v) => v.rule)).toEqual(['ids out of grant order']);
  });

  it("stops counting a killed member's lease at its kill", () => {
    const logs = [
      member(1, ...setTo('a', 1, 0), { ev: 'grant', id: 1, key: 'a', t0: 5, t: 6 }),
      member(2, ...held(2, 'a', 20, 3_000, 3_010)),
    ];
    expect(rules(logs, [{ ev: 'kill', slot: 0, pid: 1, t: 10 }])).toEqual([]);
  });

  it('stops counting a lease its member logged just after the run began pausing it, at the grant', () => {
    // The run notes the pause, then sends SIGSTOP: the member may still log a grant in between.
    const logs = [
      member(1, ...setTo('a', 1, 0), { ev: 'grant', id: 1, key: 'a', t0: 5, t: 101 }),
      member(2, ...held(2, 'a', 200, 1_200, 1_300)),
    ];
    const chaos: ChaosEvent[] = [{ ev: 'pause', slot: 0, pid: 1, t0: 100, t: 3_000 }];
    expect(rules(logs, chaos)).toEqual([]);
  });

  it('still counts a lease granted after its member’s pause ended', () => {
    const logs = [
      member(1, ...setTo('a', 1, 0), { ev: 'grant', id: 1, key: 'a', t0: 5, t: 3_100 }),
      member(2, ...held(2, 'a', 3_200, 3_300, 3_400)),
    ];
    const chaos: ChaosEvent[] = [{ ev: 'pause', slot: 0, pid: 1, t0: 100, t: 3_000 }];
    expect(rules(logs, chaos)).toEqual(['over target']);
  });

  it('counts a lease lost without a pause as live until leaseTtl before its loss was learnt', () => {
    const lostLate: MemberEvent[] = [
      { ev: 'grant', id: 1, key: 'a', t0: 5, t: 6 },
      { ev: 'signal', id: 1, reason: 'LeaseLostError', t: 2_000 },
      { ev: 'release', id: 1, t: 2_001 },
    ];
    const logs = [member(1, ...setTo('a', 1, 0), ...lostLate), member(2, ...held(2, 'a', 100, 500, 600))];
    expect(rules(logs)).toEqual(['over target']);
  });
});

describe('leases seen in Redis that no worker logged', () => {
  const seen = (id: number, holder: number, firstT: number, lastT = firstT) =>
    new Map([[id, { key: 'a', member: `m${holder}`, request: 1, firstT, lastT }]]);
  const left = (t: number): MemberEvent => ({ ev: 'left', t });
  const classify = (s: ReturnType<typeof seen>, logs: MemberLog[], chaos: ChaosEvent[] = [], leaseTtl = 0) =>
    classifyUnlogged(s, logs, chaos, leaseTtl);

  it('a lease a worker logged is not counted', () => {
    const logs = [member(1, ...held(7, 'a', 5, 6, 10), left(20))];
    expect(classify(seen(7, 1, 8), logs).counts).toEqual({
      'holder killed': 0,
      'holder paused': 0,
      'acquire ended first': 0,
      'lost in failover': 0,
      unexplained: 0,
    });
  });

  it('a lease granted as its member’s acquire ended is given back, not unexplained', () => {
    const logs = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 100 }, left(500))];
    expect(classify(seen(7, 1, 300), logs).counts['acquire ended first']).toBe(1);
  });

  it('Redis paused between the abort and the grant widens the window by the pause', () => {
    const logs = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 100 }, left(9_000))];
    const chaos: ChaosEvent[] = [{ ev: 'redis-pause', t0: 200, t: 900 }];
    expect(classify(seen(7, 1, 1_000), logs, chaos).counts['acquire ended first']).toBe(1);
  });

  it('a stall of the holder’s process widens the window by the stall, on either side', () => {
    const stall = (t0: number, t: number): MemberEvent => ({ ev: 'stall', t0, t });
    // The cancel waited out a stall before the grant was seen; the abort was logged after a stall.
    const cancelLate = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 100 }, stall(150, 800), left(9_000))];
    expect(classify(seen(7, 1, 1_000), cancelLate).counts['acquire ended first']).toBe(1);
    const loggedLate = [
      member(1, stall(900, 1_500), { ev: 'op', op: 'acquire', what: 'aborted', t: 1_500 }, left(9_000)),
    ];
    expect(classify(seen(7, 1, 1_000), loggedLate).counts['acquire ended first']).toBe(1);
    // Without the stalls, neither explains it.
    const plain = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 100 }, left(9_000))];
    expect(classify(seen(7, 1, 1_000), plain).counts.unexplained).toBe(1);
    const late = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 1_500 }, left(9_000))];
    expect(classify(seen(7, 1, 1_000), late).counts.unexplained).toBe(1);
  });

  it('an acquire that ended long before the lease was seen, or a lease held long, does not explain it', () => {
    const logs = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 100 }, left(9_000))];
    expect(classify(seen(7, 1, 1_000), logs).unexplained).toEqual([7]);
    expect(classify(seen(7, 1, 300, 2_000), logs).unexplained).toEqual([7]);
  });

  it('a lease held by a member paused over its time in Redis is put down to the pause', () => {
    const logs = [member(1, left(5_000))];
    const chaos: ChaosEvent[] = [{ ev: 'pause', slot: 0, pid: 1, t0: 1_000, t: 3_000 }];
    expect(classify(seen(7, 1, 1_200, 1_400), logs, chaos).counts['holder paused']).toBe(1);
  });

  it('a lease held by a member killed soon after it was seen, or before, is put down to the kill', () => {
    const logs = [member(1, { ev: 'grant', id: 6, key: 'a', t0: 1, t: 2 })];
    const chaos: ChaosEvent[] = [{ ev: 'kill', slot: 0, pid: 1, t: 1_000 }];
    expect(classify(seen(7, 1, 300), logs, chaos).counts['holder killed']).toBe(1);
    expect(classify(seen(7, 1, 2_500), logs, chaos).counts['holder killed']).toBe(1);
  });

  it('a lease seen long before its member was killed is not put down to the kill', () => {
    const logs = [member(1, { ev: 'grant', id: 6, key: 'a', t0: 1, t: 2 })];
    const chaos: ChaosEvent[] = [{ ev: 'kill', slot: 0, pid: 1, t: 5_000 }];
    expect(classify(seen(7, 1, 300), logs, chaos).unexplained).toEqual([7]);
  });

  it('a lease held by a rejoined incarnation `<member>/<n>` is judged by its member’s log', () => {
    expect(memberProcess('m1/3')).toBe('m1');
    const logs = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 100 }, left(500))];
    const rejoined = new Map([[7, { key: 'a', member: 'm1/2', request: 1, firstT: 300, lastT: 300 }]]);
    expect(classify(rejoined, logs).counts['acquire ended first']).toBe(1);
  });

  it('a lease granted just before a failover and never seen on the new primary is put down to it', () => {
    const logs = [member(1, left(9_000))];
    const chaos: ChaosEvent[] = [{ ev: 'failover', heldBytes: 0, kill: 1_000, promoted: 3_000, t: 4_000 }];
    expect(classify(seen(7, 1, 900, 950), logs, chaos).counts['lost in failover']).toBe(1);
    // Seen on the new primary too: the failover does not explain why no worker got it.
    expect(classify(seen(7, 1, 900, 3_500), logs, chaos).unexplained).toEqual([7]);
  });

  it('a cancel held up by a failover gives its lease back late, and that is explained', () => {
    const logs = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 1_500 }, left(9_000))];
    const chaos: ChaosEvent[] = [{ ev: 'failover', heldBytes: 0, kill: 1_000, promoted: 3_000, t: 4_000 }];
    expect(classify(seen(7, 1, 3_200, 4_400), logs, chaos, TTL).counts['acquire ended first']).toBe(1);
    expect(classify(seen(7, 1, 3_200, 4_400), logs).unexplained).toEqual([7]);
  });

  it('a lease held by a live member that nothing explains is reported by id', () => {
    const logs = [member(1, { ev: 'op', op: 'acquire', what: 'aborted', t: 100 }, left(9_000))];
    const chaos: ChaosEvent[] = [{ ev: 'pause', slot: 0, pid: 1, t0: 6_000, t: 7_000 }];
    expect(classify(seen(7, 1, 3_000, 3_500), logs, chaos).unexplained).toEqual([7]);
  });
});

describe('chaos checker across failovers (--sentinel, D11)', () => {
  /** Primary killed at 1 000, replica promoted at 3 000: with TTL 1 000 the window ends at 3 000 + 333 + slack. */
  const failover: ChaosEvent = {
    ev: 'failover',
    heldBytes: 100,
    holdFrom: 700,
    kill: 1_000,
    promoted: 3_000,
    t: 4_000,
  };
  const until = 3_000 + TTL / 3 + FAILOVER_SLACK_MS;
  /** Lease 1 granted on the old primary, lost with it, its loss learnt at `lostAt`; lease 2 granted by the new primary. */
  const lostToFailover = (lostAt: number, secondAt = 3_100): MemberLog[] => [
    member(
      1,
      ...setTo('a', 1, 0),
      { ev: 'grant', id: 1, key: 'a', t0: 800, t: 801 },
      { ev: 'signal', id: 1, reason: 'LeaseLostError', t: lostAt },
      { ev: 'release', id: 1, t: lostAt + 1 },
    ),
    member(2, ...held(2, 'a', secondAt - 50, secondAt, lostAt + 500)),
  ];

  it('reports a lease id granted twice across a failover', () => {
    const logs = [
      member(1, ...setTo('a', 2, 0), ...held(5, 'a', 800, 801, 900)),
      member(2, ...held(5, 'a', 3_050, 3_100, 3_200)),
    ];
    expect(rules(logs, [failover])).toEqual(['id granted twice']);
  });

  it('reports an id granted after the failover that is below one granted before it (ids went back)', () => {
    const logs = [
      member(1, ...setTo('a', 2, 0), ...held(9, 'a', 800, 801, 900)),
      member(2, ...held(8, 'a', 3_050, 3_100, 3_200)),
    ];
    expect(rules(logs, [failover])).toEqual(['ids out of grant order']);
  });

  it('allows two holders of one unit inside the window, the lost one aware before its end', () => {
    const result = checkRun(lostToFailover(until - 100), [failover], TTL);
    expect(result.violations).toEqual([]);
    expect(result.failoverOverlaps).toBe(1);
  });

  it('reports two holders of one unit still overlapping at the end of the window', () => {
    expect(rules(lostToFailover(until + 200), [failover])).toEqual(['over target']);
  });

  it('reports an overlap outside any failover window', () => {
    // Two holders of target 1 after the window has ended, both releasing normally.
    const logs = [
      member(1, ...setTo('a', 1, 0), ...held(1, 'a', 5_000, 5_001, 6_000)),
      member(2, ...held(2, 'a', 5_400, 5_500, 5_600)),
    ];
    expect(rules(logs, [failover])).toEqual(['over target']);
    // And one before the kill.
    const before = [
      member(1, ...setTo('a', 1, 0), ...held(1, 'a', 100, 101, 600)),
      member(2, ...held(2, 'a', 400, 500, 550)),
    ];
    expect(rules(before, [failover])).toEqual(['over target']);
  });

  it('reports three holders of one unit even inside the window', () => {
    const logs = [...lostToFailover(until - 100), member(3, ...held(3, 'a', 3_150, 3_200, 3_300))];
    expect(rules(logs, [failover])).toEqual(['over target']);
  });

  it('allows the target before a set the failover may have lost', () => {
    // Target 2, lowered to 1 just before the kill (acknowledged by the old primary, never replicated):
    // the new primary grants two.
    const logs = [
      member(1, ...setTo('a', 2, 0), ...setTo('a', 1, 900, 901), ...held(1, 'a', 3_050, 3_100, 5_000)),
      member(2, ...held(2, 'a', 4_900, 4_950, 5_100)),
    ];
    expect(rules(logs, [failover])).toEqual([]);
    // Without the failover, the set surely landed: two leases over a target of 1.
    expect(rules(logs)).toEqual(['over target']);
  });

  it('does not let a set that rejected rule out the target before it', () => {
    const rejected: MemberEvent[] = [
      { ev: 'set', key: 'a', target: 1, t0: 10 },
      { ev: 'set-end', t0: 10, t: 20, ok: false },
    ];
    const logs = [
      member(1, ...setTo('a', 2, 0), ...rejected, ...held(1, 'a', 30, 31, 100)),
      member(2, ...held(2, 'a', 40, 41, 90)),
    ];
    expect(rules(logs)).toEqual([]);
  });
});
