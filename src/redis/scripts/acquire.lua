-- acquire: grants the caller's request at once if a group it accepts can grant (no older waiter
-- could take it, S5; any-key requests take the group whose turn it is, S4), else queues it FIFO (S3).
-- KEYS[1..5] groups, ready, members, anyq, meta (see includes/pool.lua)
-- ARGV[1] tag prefix, ARGV[2] member id, ARGV[3] request id (the member's, increasing),
-- ARGV[4] "*" for any key or "=<key>"
-- Reply: { "granted", <lease id>, <target>, <active>, <key>, <notices> } | { "queued", <notices> }
--        | { "gone", <notices> } (caller is no member)
return run(function()
  begin()
  if not is_member(CALLER) then return { 'gone', own } end
  local request, want = ARGV[3], ARGV[4]
  local key = nil
  if want ~= '*' then key = string.sub(want, 2) end
  local g = grantable(key)
  if g then
    local id = grant_now(g, request)
    return { 'granted', id, int(g.target), int(g.active), g.key, own }
  end
  local queue = ANYQ
  if key ~= nil then queue = P .. 'q:' .. key end
  -- The arrival seq is the first write.
  ensure({ queue, 'zset', P .. 'mw:' .. CALLER, 'hash' })
  write('ZADD', queue, next_seq(), CALLER .. ':' .. request)
  write('HSET', P .. 'mw:' .. CALLER, request, want)
  return { 'queued', own }
end)
