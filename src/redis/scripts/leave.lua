-- leave: a stopping member withdraws all its waiters (D6); with ARGV[3] = "final" it also gives back
-- whatever leases it still holds and stops being a member. A final leave is applied whole or not at
-- all (D8): every key it can touch is checked with the reap's, before either writes.
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] "waiters" or "final"
-- Reply: { "ok", <notices> }
return run(KEYS, ARGV, function()
  local final = ARGV[3] == 'final'
  if final then begin({ CALLER }) else begin() end
  check_fixed()
  check(pool_key('mw:', CALLER), 'hash')
  check(pool_key('ml:', CALLER), 'hash')
  drop_waiters(CALLER)
  if final then
    redis.call('ZREM', MEMBERS, CALLER)
    release_all(CALLER)
  end
  return { 'ok', own }
end)
