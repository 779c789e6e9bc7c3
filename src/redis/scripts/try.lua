-- try: grants the caller's request at once if a group it accepts can grant without passing over an
-- older waiter (S5), else nothing; never queues. A keyed request for a key with no group creates it with
-- the pool's defaultTarget, if it has one (D10): the group serves older waiters it accepts first.
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] request id, ARGV[4] "*" for any key or "=<key>"
-- Reply: { "granted", <lease id>, <target>, <active>, <key>, <notices> } | { "none", <notices> }
--        | { "gone", <notices> }
return run(KEYS, ARGV, function()
  if not is_live(CALLER) then return { 'gone', own } end
  local key = nil
  if ARGV[4] ~= '*' then key = string.sub(ARGV[4], 2) end
  local g = grantableOrOnDemand(key)
  if not g then return { 'none', own } end
  local id = grantNow(g, ARGV[3])
  return { 'granted', id, int(g.target), int(g.active), g.key, own }
end)
