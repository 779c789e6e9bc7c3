-- leave: a stopping member withdraws all its waiters (D6); with ARGV[3] = "final" it also gives back
-- whatever leases it still holds and stops being a member.
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] "waiters" or "final"
-- Reply: { "ok", <notices> }
return run(function()
  begin()
  guard_all_fixed()
  guard_member(CALLER)
  drop_waiters(CALLER)
  if ARGV[3] == 'final' then
    write('ZREM', MEMBERS, CALLER)
    release_all(CALLER)
  end
  return { 'ok', own }
end)
