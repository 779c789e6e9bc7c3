/**
 * Every command the Redis pool sends or runs inside its scripts, for an ACL
 * user of its own (README: "The ACL a pool needs"). Keys match
 * `{<prefix>:*`, channels `{<prefix>:*`; `ssubscribe` and `spublish` only
 * for a pool of more than one shard (D9). A user also allowed `fcall` and
 * `function` (Redis 7 and later) runs the same code as Redis Functions;
 * without them the pool uses EVALSHA (README: "Which script path").
 */
export const redisCommands = [
  'evalsha',
  'eval',
  'subscribe',
  'ssubscribe',
  'time',
  'type',
  'del',
  'hdel',
  'hget',
  'hgetall',
  'hincrby',
  'hkeys',
  'hset',
  'zadd',
  'zcard',
  'zpopmax',
  'zrange',
  'zrangebyscore',
  'zrem',
  'zscore',
  'publish',
  'spublish',
] as const;
