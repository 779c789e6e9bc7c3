-- The grant rules (SPEC S1-S7, S11; DISTRIBUTED.md D1, D2): the Redis twin of src/machines/pool/grants.ts.
-- The rule functions carry the names of their twins there, in the same order: grant, serveGroup,
-- grantableEntry, grantNow, setTarget, release; forget, last in grants.ts, is with the helpers here, as
-- Lua needs a local function defined before the functions that call it. grants.ts' rules for a stopping
-- pool (releaseRetires, closeAll, closeGroups, releaseAfterStop, stopsAtOnce) have no twin: a member that
-- stops leaves (leave.lua). Model tests compare both with model-tests/model.ts. The helpers come first:
-- they read and write the records of includes/pool.lua; each rule names its twin at its end.
--
-- D8 (includes/foreign.lua): each path reads first, check()s the keys it writes unread, then writes; the
-- comment above a path's writes says which write is its first.

-- The group of key as the groups hash holds it, or nil: { key, target, active, created (digits), demand
-- (true for a group created on demand, D10) }.
local function group(key)
  local v = redis.call('HGET', GROUPS, key)
  if not v then return nil end
  local t, a, c, mark = string.match(v, '^(%d+) (%d+) (%d+)(.*)$')
  if not t or (mark ~= '' and mark ~= ' d') then
    foreign(GROUPS, 'a field that is not "<target> <active> <created>" or "<target> <active> <created> d"')
  end
  return { key = key, target = tonumber(t), active = tonumber(a), created = c, demand = mark == ' d' }
end

-- Writes g's counts (GROUPS was read by group()); a new group (created nil) takes the next seq as its
-- creation seq.
local function save(g)
  if not g.created then g.created = next_seq() end
  local v = int(g.target) .. ' ' .. int(g.active) .. ' ' .. g.created
  if g.demand then v = v .. ' d' end
  redis.call('HSET', GROUPS, g.key, v)
end

-- Removes g, at target 0 or created on demand, with no lease out and no waiter of its key, from the groups
-- and the rotation (S1, S12): nothing of it is left, as its queue and lease set are empty. (grants.ts forget)
local function forget(g)
  redis.call('HDEL', GROUPS, g.key)
  redis.call('ZREM', READY, g.key)
  g.gone = true
end

-- Counts n more (or, negative, fewer) waiters in the queues (D10's waiting()). META must have been read,
-- checked or written first.
local function count_waiters(n)
  redis.call('HINCRBY', META, 'waiting', n)
end

-- The member and request of a waiter entry of queue.
local function waiter_of(entry, queue)
  local member, request = split_entry(entry)
  if not member then foreign(queue, 'an entry that is not "<member>:<request>"') end
  return member, request
end

-- The oldest waiter that accepts a lease of key, and its queue: the older of the two heads (S3).
local function oldestFor(key)
  local kq = pool_key('q:', key)
  local a = redis.call('ZRANGE', ANYQ, 0, 0, 'WITHSCORES')
  local k = redis.call('ZRANGE', kq, 0, 0, 'WITHSCORES')
  if #k > 0 and (#a == 0 or tonumber(k[2]) < tonumber(a[2])) then return k[1], kq end
  if #a > 0 then return a[1], ANYQ end
  return nil
end

-- The n oldest waiters that accept a lease of key, oldest first, as { entry, queue, entry, queue, ... } (S3).
local function oldest(key, n)
  local kq = pool_key('q:', key)
  local a = redis.call('ZRANGE', ANYQ, 0, n - 1, 'WITHSCORES')
  local k = redis.call('ZRANGE', kq, 0, n - 1, 'WITHSCORES')
  local picks, i, j = {}, 1, 1
  while #picks < 2 * n and (i <= #a or j <= #k) do
    if j <= #k and (i > #a or tonumber(k[j + 1]) < tonumber(a[i + 1])) then
      picks[#picks + 1], picks[#picks + 2] = k[j], kq
      j = j + 2
    else
      picks[#picks + 1], picks[#picks + 2] = a[i], ANYQ
      i = i + 2
    end
  end
  return picks
end

-- Checks the keys a grant to member writes without reading them (its waiters and leases).
local function check_member(member)
  check(pool_key('mw:', member), 'hash')
  check(pool_key('ml:', member), 'hash')
end

-- The next lease id, as digits: above the last one, and not below Redis' clock in µs (D11); in a shard of a
-- sharded pool, the next that is the shard's index modulo the shards (D9, includes/pool.lua). Reads META.
local function next_lease_id()
  read_clock()
  local last = tonumber(redis.call('HGET', META, 'lease') or '0')
  local k = math.max(math.floor(last / SHARDS) + 1, math.floor((clock_s * 1000000 + clock_us) / SHARDS))
  return int(k * SHARDS + SHARD)
end

-- Issues one new lease of g to member's request and returns its id (S6); g.active grows by one.
-- (grants.ts grant) Its first write is to key's lease set: checked, or the path's first write.
local function grant(g, member, request)
  local id = next_lease_id()
  redis.call('ZADD', pool_key('l:', g.key), id, id .. ':' .. member)
  redis.call('HSET', pool_key('ml:', member), id, request .. ' 0 ' .. g.key)
  redis.call('HSET', META, 'lease', id)
  g.active = g.active + 1
  return id
end

-- Grants the waiter entry of queue a new lease of g and takes it out of its queues, told to its member
-- (D4). Its member's keys must have been checked.
local function grant_waiter(g, entry, queue, member, request)
  local id = grant(g, member, request)
  redis.call('ZREM', queue, entry)
  redis.call('HDEL', pool_key('mw:', member), request)
  count_waiters(-1)
  notify(member, 'g ' .. request .. ' ' .. id .. ' ' .. int(g.target) .. ' ' .. int(g.active) .. ' ' .. g.key)
end

-- Lets g grant to the oldest waiters it can serve, saves it, then puts it where it belongs in the
-- rotation: at the back if it just became able to grant or granted and still can (S4), out if it cannot,
-- where it was otherwise. Leaves no waiter g could serve (S5). (grants.ts serveGroup)
-- A new group (created nil) is in no rotation. Reads the heads and the rotation, checks the keys of the
-- grants; the turn, or else the first lease's id, is the first write.
local function serveGroup(g)
  local new = not g.created
  local spare = math.max(0, g.target - g.active)
  local picks = {}
  if spare > 0 then picks = oldest(g.key, spare) end
  local queued = redis.call('ZSCORE', READY, g.key)
  local left = spare - #picks / 2
  if #picks > 0 then
    check(pool_key('l:', g.key), 'zset')
    local checked = {}
    for i = 1, #picks, 2 do
      local member = waiter_of(picks[i], picks[i + 1])
      if not checked[member] then
        check_member(member)
        checked[member] = true
      end
    end
  end
  local turn
  if left > 0 and (#picks > 0 or new or not queued) then
    -- A new group's creation seq is also its turn: no other seq comes between the two.
    turn = next_seq()
    if new then g.created = turn end
  end
  for i = 1, #picks, 2 do
    grant_waiter(g, picks[i], picks[i + 1], split_entry(picks[i]))
  end
  if g.target == 0 and g.active == 0 then return forget(g) end
  save(g)
  if left == 0 then
    if queued then redis.call('ZREM', READY, g.key) end
  elseif turn then
    redis.call('ZADD', READY, turn, g.key)
  end
end

-- The group a request wanting key (nil: any key) would be granted from now, if any. (grants.ts grantableEntry)
local function grantableEntry(key)
  local g
  if key == nil then
    local head = redis.call('ZRANGE', READY, 0, 0)
    if #head == 0 then return nil end
    g = group(head[1])
    if not g then foreign(READY, 'a key with no group') end
  else
    g = group(key)
  end
  if g and g.active < g.target then return g end
  return nil
end

-- Creates key's group on demand with the pool's defaultTarget (D10, SPEC S12), if it has one, as set()
-- would with the caller's request queued last: the new group first serves the older waiters it accepts
-- (any-key ones, and keyed ones queued before it existed), oldest first (S3, S5). Returns the group if it
-- can still grant the caller now, else nil (the caller waits behind those it served, or there is no
-- defaultTarget). The caller's grant saves a group that served no one. (on-demand.ts requestOnDemand)
-- Reads META and the heads first; serveGroup() checks what it writes.
local function requestOnDemand(key)
  local dt = redis.call('HGET', META, 'dt')
  if not dt then return nil end
  if not string.match(dt, '^%d+$') then foreign(META, 'a "dt" field that is not digits') end
  local g = { key = key, target = tonumber(dt), active = 0, demand = true }
  if oldestFor(key) then serveGroup(g) end
  if g.active < g.target then return g end
  return nil
end

-- The group a request wanting key (nil: any key) would be granted from now, created on demand for a
-- keyed request whose key has no group (D10); nil if none can grant it now.
local function grantableOrOnDemand(key)
  if key == nil then return grantableEntry(nil) end
  local g = group(key)
  if not g then return requestOnDemand(key) end
  if g.active < g.target then return g end
  return nil
end

-- Grants the caller's request a lease of g at once; g goes to the back of the rotation, or out if it has
-- no spare left. No older waiter could take it (S5). Returns the id. (grants.ts grantNow)
-- The lease set's ZADD is the first write; the caller's leases and the rotation are checked.
local function grantNow(g, request)
  check(pool_key('ml:', CALLER), 'hash')
  check(READY, 'zset')
  local spare = g.target - g.active
  local id = grant(g, CALLER, request)
  save(g)
  if spare == 1 then
    redis.call('ZREM', READY, g.key)
  else
    redis.call('ZADD', READY, next_seq(), g.key)
  end
  return id
end

-- The leases set must revoke so that at most g.target of g's leases are unrevoked (S11), newest first, as
-- { entry, member, id, value }; reads only.
local function revocations(g)
  local lk = pool_key('l:', g.key)
  local over = redis.call('ZCARD', lk) - g.target
  local list = {}
  if over <= 0 then return list end
  local newest = redis.call('ZRANGE', lk, -over, -1)
  for i = #newest, 1, -1 do
    local id, member = string.match(newest[i], '^(%d+):(.*)$')
    if not id then foreign(lk, 'a member that is not "<lease>:<member>"') end
    list[#list + 1] = { newest[i], member, id, redis.call('HGET', pool_key('ml:', member), id) }
  end
  return list
end

-- Revokes the leases revocations() chose; each stays out. The ZPOPMAX is the first write; the lease
-- hashes it writes were read.
local function revoke(g, list)
  redis.call('ZPOPMAX', pool_key('l:', g.key), #list)
  for i = 1, #list do
    local member, id, v = list[i][2], list[i][3], list[i][4]
    if v then
      local request, key = string.match(v, '^(%d+) [01] (.*)$')
      redis.call('HSET', pool_key('ml:', member), id, request .. ' 1 ' .. key)
    end
    notify(member, 'r ' .. id)
  end
end

-- Sets key's target, creating its group, revoking its newest leases above the target (S11), granting the
-- waiters it can now serve, or removing it at target 0 once no lease of it is out (S1, S1a). Returns the
-- group, or nil where none is left. (grants.ts setTarget)
local function setTarget(key, target)
  local g = group(key)
  if not g then
    if target == 0 then return nil end
    g = { key = key, target = target, active = 0 }
  else
    -- set() makes a group created on demand an ordinary one, kept until set(key, 0) (S12).
    g.target, g.demand = target, false
    local revoked = revocations(g)
    if #revoked > 0 then
      -- More unrevoked leases than the target leaves nothing to grant, so serveGroup() writes only the
      -- rotation after the revoking writes: checked first.
      check(READY, 'zset')
      revoke(g, revoked)
    end
  end
  serveGroup(g)
  return g
end

-- The key of a lease as its member's lease hash ml records it ("<request> <revoked> <key>").
local function lease_key(ml, v)
  local key = string.match(v, '^%d+ [01] (.*)$')
  if not key then foreign(ml, 'a field that is not "<request> <revoked> <key>"') end
  return key
end

-- Takes member's lease id back; its capacity passes straight to the oldest waiter of its key (the counts
-- do not move), or the group's active count drops and it joins the rotation or retires (as does a group
-- created on demand left idle, D10: g.gone set). Returns the
-- group, or nil if the lease was not out (released, lost, never issued). (grants.ts release)
-- Reads first; the lease set's ZREM, or else the turn, is the first write when this is the path's first
-- release (a reap or a leave checks every key before its first).
local function release(member, id)
  local ml = pool_key('ml:', member)
  local v = redis.call('HGET', ml, id)
  if not v then return nil end
  local key = lease_key(ml, v)
  local g = group(key)
  if not g then foreign(GROUPS, 'no group for a lease out') end
  local lk = pool_key('l:', key)
  g.active = g.active - 1
  if g.active < g.target then
    local entry, queue = oldestFor(key)
    if entry then
      -- Handoff: the counts do not move. The new lease's ZADD to the lease set is the first write (its
      -- id read META first); ml was read; the waiter's member's keys are checked.
      local other, request = waiter_of(entry, queue)
      if other == member then
        check(pool_key('mw:', other), 'hash')
      else
        check_member(other)
      end
      grant_waiter(g, entry, queue, other, request)
      redis.call('ZREM', lk, id .. ':' .. member)
      redis.call('HDEL', ml, id)
      return g
    end
  end
  -- A group at target 0, or created on demand, with nothing out goes (S1, S12). No waiter asks for the key
  -- of one created on demand: its target is at least 1, so oldestFor() above found none.
  local retire = g.active == 0 and (g.target == 0 or g.demand)
  local queued = (retire or g.active < g.target) and redis.call('ZSCORE', READY, key)
  local turn
  if not retire and g.active < g.target and not queued then
    check(lk, 'zset')
    turn = next_seq()
  end
  redis.call('ZREM', lk, id .. ':' .. member)
  redis.call('HDEL', ml, id)
  if retire then
    forget(g)
  else
    save(g)
    if turn then redis.call('ZADD', READY, turn, key) end
  end
  return g
end
