-- set: sets key's target (S1, S1a), creating or retiring its group, revoking its newest leases above
-- the target (S11), and granting the waiters it can now serve (S3-S5).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] key, ARGV[4] target (non-negative integer)
-- Reply: { "ok", <target>, <active>, <notices> } | { "gone", <notices> } (caller is no member)
return run(function()
  begin()
  if not is_member(CALLER) then return { 'gone', own } end
  local key, target = ARGV[3], tonumber(ARGV[4])
  local g = group(key)
  if not g then
    if target == 0 then return { 'ok', 0, 0, own } end
    g = { key = key, target = target, active = 0 }
  else
    g.target = target
    local revoked = revocations(g)
    if #revoked > 0 then
      -- More unrevoked leases than the target leaves nothing to grant, so serve() reads nothing:
      -- the one key it writes that was not read is checked before the revoking writes.
      ensure({ READY, 'zset' })
      revoke(g, revoked)
    end
  end
  serve(g)
  return { 'ok', int(g.target), int(g.active), own }
end)
