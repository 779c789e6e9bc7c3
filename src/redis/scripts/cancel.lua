-- cancel: withdraws the caller's waiting request (S7). If it was granted already, nothing changes
-- here: the grant is on its way and the member gives it back.
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] request id
-- Reply: { "ok", <notices> } (withdrawn) | { "none", <notices> } (not waiting)
return run(KEYS, ARGV, function()
  local mw = pool_key('mw:', CALLER)
  local want = redis.call('HGET', mw, ARGV[3])
  if not want then return { 'none', own } end
  local queue = ANYQ
  if want ~= '*' then queue = pool_key('q:', string.sub(want, 2)) end
  -- The count of waiters is the first write; mw was read, the queue is checked (D8).
  check(queue, 'zset')
  -- A group created on demand has no waiter of its key while it could grant (S5): a cancel leaves it as it
  -- was, with leases out (D10).
  count_waiters(-1)
  redis.call('ZREM', queue, CALLER .. ':' .. ARGV[3])
  redis.call('HDEL', mw, ARGV[3])
  return { 'ok', own }
end)
