-- join: the caller becomes (or stays) a live member until Redis time + leaseTtl (D3). It first runs
-- every command the scripts use, to no effect, so that an ACL user missing one fails here, at
-- createRedisPool, rather than half-way through a later script (Redis keeps a failed script's writes).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- Every member of a pool uses the same defaultTarget, or none (D10), and the same number of shards (D9):
-- the pool's live members' choices are recorded in META ("dt"; "n" in the home keys only, absent for 1); a
-- join asking another is refused before anything is written, and a join into a pool with no live member
-- records its own.
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] leaseTtl in ms, ARGV[4] defaultTarget ("" for none),
-- ARGV[5] the pool's shards (the home keys), or "" (a shard of a sharded pool: its tag says)
-- Reply: { "ok", <Redis time ms>, <last lease id>, <notices> }
--        | { "mismatch", "defaultTarget" or "shards", <recorded value, "" for none>, <notices> } (nothing written)
return run(KEYS, ARGV, function()
  check_fixed()
  local asked, shards = ARGV[4], ARGV[5]
  local recorded = redis.call('HGET', META, 'dt') or ''
  local recorded_shards = redis.call('HGET', META, 'n') or '1'
  if shards == '' then recorded_shards = '' end
  if recorded ~= asked or recorded_shards ~= shards then
    local live = redis.call('ZRANGEBYSCORE', MEMBERS, '(' .. int(now_ms()), '+inf', 'LIMIT', 0, 2)
    for i = 1, #live do
      if live[i] ~= CALLER then
        if recorded_shards ~= shards then return { 'mismatch', 'shards', recorded_shards, own } end
        return { 'mismatch', 'defaultTarget', recorded, own }
      end
    end
  end
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
  publish(CALLER, 'j')
  if recorded ~= asked then
    if asked == '' then redis.call('HDEL', META, 'dt') else redis.call('HSET', META, 'dt', asked) end
  end
  if recorded_shards ~= shards then
    if shards == '1' then redis.call('HDEL', META, 'n') else redis.call('HSET', META, 'n', shards) end
  end
  local now = begin()
  redis.call('ZADD', MEMBERS, now + tonumber(ARGV[3]), CALLER)
  return { 'ok', now, redis.call('HGET', META, 'lease') or '0', own }
end)
