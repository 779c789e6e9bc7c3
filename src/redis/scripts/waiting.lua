-- waiting: the fleet-wide number of pending requests (D10): every waiter, or those that asked for one key
-- (any-key waiters not counted then), after reaping the dead (D3). One counter or one ZCARD: no scan.
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] "*" for every waiter or "=<key>"
-- Reply: { "ok", <count>, <notices> }
return run(KEYS, ARGV, function()
  begin()
  if ARGV[3] == '*' then
    local n = redis.call('HGET', META, 'waiting') or '0'
    if not string.match(n, '^%d+$') then foreign(META, 'a "waiting" field that is not a count') end
    return { 'ok', n, own }
  end
  return { 'ok', int(redis.call('ZCARD', pool_key('q:', string.sub(ARGV[3], 2)))), own }
end)
