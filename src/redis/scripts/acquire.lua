-- acquire: grants the caller's request at once if a group it accepts can grant (no older waiter
-- could take it, S5; any-key requests take the group whose turn it is, S4), else queues it FIFO (S3).
-- A keyed request for a key with no group creates it with the pool's defaultTarget, if it has one (D10).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] request id (the member's, increasing),
-- ARGV[4] "*" for any key or "=<key>"
-- Reply: { "granted", <lease id>, <target>, <active>, <key>, <notices> } | { "queued", <notices> }
--        | { "gone", <notices> } (caller is no member, or past its deadline)
return run(KEYS, ARGV, function()
  if not is_live(CALLER) then return { 'gone', own } end
  local request, want = ARGV[3], ARGV[4]
  local key = nil
  if want ~= '*' then key = string.sub(want, 2) end
  local g = grantableOrOnDemand(key)
  if g then
    local id = grantNow(g, request)
    return { 'granted', id, int(g.target), int(g.active), g.key, own }
  end
  local queue = ANYQ
  if key ~= nil then queue = pool_key('q:', key) end
  local mw = pool_key('mw:', CALLER)
  -- The count of waiters is the first write.
  check(queue, 'zset')
  check(mw, 'hash')
  count_waiters(1)
  redis.call('ZADD', queue, next_seq(), CALLER .. ':' .. request)
  redis.call('HSET', mw, request, want)
  return { 'queued', own }
end)
