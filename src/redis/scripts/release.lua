-- release: takes the caller's lease back; its capacity passes straight to the oldest waiter that
-- accepts it, any member's (handoff, D4), or the group's active count drops (S2, S4, S1); a group created
-- on demand left with nothing out goes (D10).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] lease id
-- Reply: { "ok", <target>, <active>, <key>, <notices> } (0, 0 once the group went) | { "none", <notices> } (the lease was not
-- out: released before, or lost, D5; nothing changed)
return run(KEYS, ARGV, function()
  local g = release(CALLER, ARGV[3])
  if not g then return { 'none', own } end
  -- A group that went (at target 0, or created on demand and left idle) shows as no group, as get() would.
  if g.gone then return { 'ok', 0, 0, g.key, own } end
  return { 'ok', int(g.target), int(g.active), g.key, own }
end)
