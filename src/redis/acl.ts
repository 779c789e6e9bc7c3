/**
 * Every command the Redis pool sends or runs inside its scripts, for an ACL
 * user of its own (README: "The ACL a pool needs"). Keys match
 * `{<prefix>:*`, channels `{<prefix>:*`.
 */
export const redisCommands = [
  'evalsha',
  'eval',
  'subscribe',
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
] as const;
