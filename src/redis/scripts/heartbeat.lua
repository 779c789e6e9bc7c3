-- heartbeat: extends the caller's life to Redis time + leaseTtl (D3) and tells it what it holds,
-- so that a lost notice costs at most one heartbeat (D4, D5).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] leaseTtl in ms
-- Reply: { "gone", <notices> } when the caller is no member (reaped, or Redis lost its data): it must join again;
--        { "ok", <Redis time ms>, { <lease id>, "<request> <revoked 0|1> <key>", ... }, { <waiting request>, ... },
--          <last lease id>, <notices> }: the last lease id below one the caller has seen means Redis lost writes (D11)
return run(KEYS, ARGV, function()
  local now = begin()
  if not is_member(CALLER) then return { 'gone', own } end
  -- Reads before the one write (MEMBERS was read).
  local leases = redis.call('HGETALL', pool_key('ml:', CALLER))
  local waiting = redis.call('HKEYS', pool_key('mw:', CALLER))
  local last = redis.call('HGET', META, 'lease') or '0'
  redis.call('ZADD', MEMBERS, now + tonumber(ARGV[3]), CALLER)
  return { 'ok', now, leases, waiting, last, own }
end)
