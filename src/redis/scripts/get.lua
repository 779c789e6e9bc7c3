-- get: key's fleet-wide counts (D1), after reaping the dead (D3).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] key
-- Reply: { "ok", <target>, <active>, <notices> } ({ 0, 0 } for a key with no group)
return run(KEYS, ARGV, function()
  begin()
  local g = group(ARGV[3])
  if not g then return { 'ok', 0, 0, own } end
  return { 'ok', int(g.target), int(g.active), own }
end)
