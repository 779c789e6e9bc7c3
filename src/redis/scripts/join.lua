-- join: the caller becomes (or stays) a live member until Redis time + leaseTtl (D3). It first runs
-- every command the scripts use, to no effect, so that an ACL user missing one fails here, at
-- createRedisPool, rather than half-way through a later script (Redis keeps a failed script's writes).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] leaseTtl in ms
-- Reply: { "ok", <Redis time ms>, <last lease id>, <notices> }
return run(KEYS, ARGV, function()
  check_fixed()
  check(pool_key('mw:', CALLER), 'hash')
  check(pool_key('ml:', CALLER), 'hash')
  local probe = P .. 'probe'
  redis.call('DEL', probe)
  redis.call('HDEL', probe, 'x')
  redis.call('HGET', probe, 'x')
  redis.call('HGETALL', probe)
  redis.call('HKEYS', probe)
  redis.call('ZADD', probe, 'XX', 0, 'x')
  redis.call('ZCARD', probe)
  redis.call('ZPOPMAX', probe)
  redis.call('ZRANGE', probe, 0, 0)
  redis.call('ZRANGEBYSCORE', probe, 0, 0)
  redis.call('ZREM', probe, 'x')
  redis.call('ZSCORE', probe, 'x')
  redis.call('HSET', META, 'seq', redis.call('HINCRBY', META, 'seq', 0))
  redis.call('PUBLISH', P .. 'ch:' .. string.match(CALLER, '^[^/]*'), 'j')
  local now = begin()
  redis.call('ZADD', MEMBERS, now + tonumber(ARGV[3]), CALLER)
  return { 'ok', now, redis.call('HGET', META, 'lease') or '0', own }
end)
