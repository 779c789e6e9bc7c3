-- keys: every group's key and counts (D1), draining ones included, after reaping the dead (D3).
-- O(groups), as listing them must be.
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id
-- Reply: { "ok", { <key>, "<target> <active> <created seq>", ... }, <notices> }
return run(KEYS, ARGV, function()
  begin()
  return { 'ok', redis.call('HGETALL', GROUPS), own }
end)
