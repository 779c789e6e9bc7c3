-- set: sets key's target (S1, S1a), creating or retiring its group, revoking its newest leases above
-- the target (S11), and granting the waiters it can now serve (S3-S5).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] key, ARGV[4] target (non-negative integer)
-- Reply: { "ok", <target>, <active>, <notices> } | { "gone", <notices> } (caller is no member)
return run(KEYS, ARGV, function()
  begin()
  if not is_member(CALLER) then return { 'gone', own } end
  local g = setTarget(ARGV[3], tonumber(ARGV[4]))
  if not g then return { 'ok', 0, 0, own } end
  return { 'ok', int(g.target), int(g.active), own }
end)
