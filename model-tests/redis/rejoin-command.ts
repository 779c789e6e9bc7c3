import type fc from 'fast-check';
import type { RedisLease } from '../../src/redis/index.js';
import { showWant } from '../commands/want.js';
import { InvariantError } from '../invariants.js';
import { showKey } from '../keys.js';
import type { Want } from '../model.js';
import { settleWithin } from './failover-check.js';
import type { FleetModel } from './fleet-model.js';
import { afterRedisStep } from './redis-check.js';
import type { RedisSystem } from './redis-system.js';

/**
 * How a rejoin is set off while an acquire (or a try) is on its way:
 * - `gone`: the member hears that Redis does not know its incarnation (what a
 *   late reap notice, a `gone` reply to another call or a heartbeat tell it)
 *   in the same tick as the acquire. The acquire is already on the wire, so
 *   Redis takes it as the old incarnation (granted or queued), then the
 *   rejoin's leave gives back that grant with the rest, and the acquire's
 *   reply comes for a retired incarnation: the race of issue 18 item 3.
 * - `reaped`: the member's heartbeat deadline in the members zset is moved
 *   into the past, as a pause longer than leaseTtl leaves it; the acquire's
 *   own script reaps the member (its waiters dropped, its leases given to
 *   the other members' oldest waiters) and answers `gone`.
 * Both put Redis' steps in one order, so the model stays exact. (A reap
 * notice published from another connection while the acquire is on its way
 * would race the acquire's reply with no order the test can know: the
 * member may deliver the lease, then lose it, or park the request; both are
 * right, and the model could not say which to expect.)
 */
export const REJOIN_TRIGGERS = ['gone', 'reaped'] as const;
export type RejoinTrigger = (typeof REJOIN_TRIGGERS)[number];

/** How long a rejoin may take to be live again with every request queued once more. */
const REJOIN_MS = 5_000;

/**
 * `acquire()` (or `tryAcquire()`) on a member that rejoins before the
 * reply: its leases are lost, its waiters and the new acquire queue again
 * at the back in their original order, the try is tried again after them
 * (D6, D7, D11).
 */
export class RejoinCommand implements fc.AsyncCommand<FleetModel, RedisSystem> {
  constructor(
    readonly member: number,
    readonly call: 'acquire' | 'tryAcquire',
    readonly want: Want,
    readonly signal: 'none' | 'live',
    readonly via: RejoinTrigger,
  ) {}
  check = (model: Readonly<FleetModel>) => !model.stopped[this.member];
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    const pool = real.member(this.member);
    const joins = real.joins(this.member);
    if (this.via === 'reaped') {
      // In the shard the acquire goes to (D9; any-key requests only on one shard, whose tag is the pool's).
      const members = `${this.want.any ? real.tag : real.tagOf(this.want.key as string)}members`;
      await real.probe.command(['ZADD', members, 'XX', '0', real.incarnation(this.member)]);
    }
    const trying = this.call === 'tryAcquire' ? real.tryAcquire(this.member, this.want) : undefined;
    const request = trying ? undefined : real.acquire(this.member, this.want, this.signal).request;
    if (this.via === 'gone') pool.actor.send({ type: 'member.gone' });
    const deadline = Date.now() + REJOIN_MS;
    while (!real.rejoinedSince(this.member, joins)) {
      if (Date.now() > deadline) {
        throw new InvariantError(
          'D6 rejoin',
          `m${this.member} is not live again with its requests queued ${REJOIN_MS} ms after ${this}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (request !== undefined) model.rejoin(this.member, { request, want: this.want }, this.via === 'gone');
    else
      this.#compareTry(
        model,
        real,
        await settleWithin(trying as Promise<RedisLease<string> | undefined>, REJOIN_MS, `${this}`),
      );
    await afterRedisStep(model, real, this.member);
  }
  /** The try's lease, or none, as the model says (ids are checked against grant order afterwards). */
  #compareTry(model: FleetModel, real: RedisSystem, got: RedisLease<string> | undefined): void {
    const expected = model.rejoinTrying(this.member, this.want, this.via === 'gone', got === undefined);
    if (!model.exact) return;
    const key = expected === undefined ? undefined : model.pool.out.get(expected)?.key;
    if ((got === undefined) !== (expected === undefined) || (got && got.key !== key)) {
      throw new InvariantError(
        'D6 rejoin',
        `${this} returned ${got ? `lease ${got.id} of ${showKey(got.key)}` : 'undefined'}, expected ${expected === undefined ? 'undefined' : `model lease ${expected} of ${showKey(key)}`}`,
      );
    }
    if (got && expected !== undefined) real.idOf.set(expected, got.id);
  }
  toString = () =>
    `m${this.member}.${this.call}(${showWant(this.want)})${this.signal === 'live' && this.call === 'acquire' ? ' with live signal' : ''} and ${
      this.via === 'gone' ? 'member.gone' : 'reaped'
    } in the same tick`;
}
