import type fc from 'fast-check';
import type { FleetModel } from './fleet-model.js';
import { afterRedisStep } from './redis-check.js';
import type { RedisSystem } from './redis-system.js';

/**
 * For each pair (ARGV[i], ARGV[i + 1]), replaces every Redis key starting
 * with ARGV[i + 1] by a copy of every key starting with ARGV[i] (the rest of
 * the name kept); all pairs in one atomic step. COPY keeps each key's type,
 * value and TTL, as replication would.
 */
const COPY_KEYS = String.raw`
local function glob(s) return (string.gsub(s, '[%*%?%[%]\\]', '\\%0')) end
local function keys(prefix)
  local out, cursor = {}, '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', glob(prefix) .. '*', 'COUNT', 1000)
    cursor = page[1]
    for i = 1, #page[2] do out[#out + 1] = page[2][i] end
  until cursor == '0'
  return out
end
local copied = 0
for i = 1, #ARGV, 2 do
  local from, to = ARGV[i], ARGV[i + 1]
  for _, k in ipairs(keys(to)) do redis.call('DEL', k) end
  local found = keys(from)
  for _, k in ipairs(found) do redis.call('COPY', k, to .. string.sub(k, #from + 1)) end
  copied = copied + #found
end
return copied
`;

/**
 * Where the replica's copy of the keys under hash tag `tag` lives: outside
 * every tag of the pool, so no script of the pool sees it.
 */
function replicaPrefix(tag: string): string {
  return `replica:${tag}`;
}

/** Copies the keys under each (from, to) pair of prefixes, every tag of the pool at once. */
function copyKeys(real: RedisSystem, pairs: readonly (readonly [string, string])[]): Promise<unknown> {
  return real.probe.command(['EVAL', COPY_KEYS, '0', ...pairs.flat()]);
}

/** Removes the replica's copy (end of a run). */
export async function forgetReplica(real: RedisSystem): Promise<void> {
  await copyKeys(
    real,
    real.tags.map((tag) => [`${replicaPrefix(tag)}:none:`, replicaPrefix(tag)]),
  );
}

/**
 * The replica catches up: it now holds every key of the pool (every shard's
 * and the home keys, D9) as the primary has it. Until the next sync it lags behind every write after
 * this one (grants, releases, queued waiters, heartbeats).
 */
export class ReplicaSyncCommand implements fc.AsyncCommand<FleetModel, RedisSystem> {
  check = () => true;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    await copyKeys(
      real,
      real.tags.map((tag) => [tag, replicaPrefix(tag)]),
    );
    model.replicaSynced = true;
    await afterRedisStep(model, real, 0);
  }
  toString = () => 'the replica catches up';
}

/**
 * The lagging replica is promoted: the pool's keys become what the replica
 * last copied (every later write lost, D11), while the members' connections
 * stay, as Sentinel clients follow the new primary. From here the model no
 * longer knows Redis' state: the run checks D11's invariants instead.
 */
export class FailoverCommand implements fc.AsyncCommand<FleetModel, RedisSystem> {
  check = (model: Readonly<FleetModel>) => model.replicaSynced;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    await copyKeys(
      real,
      real.tags.map((tag) => [replicaPrefix(tag), tag]),
    );
    model.exact = false;
    await afterRedisStep(model, real, 0);
  }
  toString = () => 'the lagging replica is promoted';
}
