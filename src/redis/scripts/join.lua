-- join: the caller becomes (or stays) a live member until Redis time + leaseTtl (D3).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] leaseTtl in ms
-- Reply: { "ok", <Redis time ms>, <last lease id>, <notices> }
return run(function()
  local now = begin()
  guard_caller()
  redis.call('ZADD', MEMBERS, now + tonumber(ARGV[3]), CALLER)
  return { 'ok', now, tonumber(redis.call('HGET', META, 'lease') or '0'), own }
end)
