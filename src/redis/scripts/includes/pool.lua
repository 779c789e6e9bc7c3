-- Shared prelude of every script of the Redis pool (put in front of each script's text).
-- The second implementation of the grant rules of src/machines/pool/grants.ts (SPEC S1-S7, S11;
-- DISTRIBUTED.md D1-D3): model tests compare both with model-tests/model.ts.
--
-- Every script takes the same first KEYS, all under the pool's one hash tag (D2):
--   KEYS[1] groups   hash  key -> "<target> <active> <created seq>"; a group exists while it has a field
--   KEYS[2] ready    zset  key -> turn: the groups that can grant, front first (S4)
--   KEYS[3] members  zset  member -> deadline (ms, Redis TIME): alive until then (D3)
--   KEYS[4] anyq     zset  "<member>:<request>" -> arrival seq: any-key waiters (S3)
--   KEYS[5] meta     hash  "lease" -> last lease id (never reset: fencing tokens), "seq" -> last arrival/turn
-- ARGV[1] = the pool's tag prefix ("{<prefix>:<name>}"), ARGV[2] = the calling member's id.
-- Keys built from ARGV[1] (same hash tag, so the same Cluster slot):
--   <P>q:<key>      zset  "<member>:<request>" -> arrival seq: waiters for one key (S3)
--   <P>l:<key>      zset  "<lease>:<member>" -> lease id: that key's unrevoked leases (S11: ZPOPMAX = newest)
--   <P>mw:<member>  hash  request -> "*" (any key) or "=<key>": the member's waiters
--   <P>ml:<member>  hash  lease -> "<request> <0|1 revoked> <key>": the member's leases
--   <P>ch:<member>  the member's notification channel (PUBLISH)
-- Notices, to the caller in its reply and to other members on their channel (D4):
--   "g <request> <lease> <target> <active> <key>"  request granted lease; key's counts after
--   "r <lease>"                                     lease revoked by set (S11)
--   "x"                                             member reaped: its leases are lost (D5)
-- Replies are arrays whose first element is a status word; a foreign value in a key of the pool
-- replies { "foreign", <redis key>, <what was found> } (D8) before anything is written.

local P = ARGV[1]
local CALLER = ARGV[2]
local GROUPS, READY, MEMBERS, ANYQ, META = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- Notices for the caller, carried in the reply instead of published.
local own = {}

-- A key of the pool holds a value of another type (D8): raised as a table, turned into a reply by run().
local function foreign(key, found)
  error({ foreign = key, found = found })
end

-- Checks that each key holds nothing or the type the pool keeps there, before anything is written.
local function guard(list)
  for i = 1, #list, 2 do
    local found = redis.call('TYPE', list[i])['ok']
    if found ~= 'none' and found ~= list[i + 1] then foreign(list[i], found) end
  end
end

-- The fixed keys a script may write before reading them, checked first so that a foreign value
-- changes nothing. MEMBERS and GROUPS are read (ZRANGEBYSCORE in reap, HGET in group) before any
-- write of the scripts that start with begin(), so a foreign value there fails before writing too;
-- the paths that write them before reading (reap, leave) check them themselves.
local function guard_fixed()
  guard({ READY, 'zset', ANYQ, 'zset', META, 'hash' })
end

local function guard_all_fixed()
  guard({ GROUPS, 'hash', READY, 'zset', MEMBERS, 'zset', ANYQ, 'zset', META, 'hash' })
end

-- The keys of a member that a grant to it writes.
local function guard_member(member)
  guard({ P .. 'mw:' .. member, 'hash', P .. 'ml:' .. member, 'hash' })
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function next_seq()
  return redis.call('HINCRBY', META, 'seq', 1)
end

-- The group of key, or nil.
local function group(key)
  local v = redis.call('HGET', GROUPS, key)
  if not v then return nil end
  local t, a, c = string.match(v, '^(%d+) (%d+) (%d+)$')
  if not t then foreign(GROUPS, 'a field that is not "<target> <active> <created>"') end
  return { key = key, target = tonumber(t), active = tonumber(a), created = c }
end

local function spare(g)
  if g.active < g.target then return g.target - g.active end
  return 0
end

-- Writes g's counts, or forgets the group when both are 0 (S1).
local function save(g)
  if g.target == 0 and g.active == 0 then
    redis.call('HDEL', GROUPS, g.key)
    redis.call('ZREM', READY, g.key)
  else
    redis.call('HSET', GROUPS, g.key, g.target .. ' ' .. g.active .. ' ' .. g.created)
  end
end

local function notify(member, notice)
  if member == CALLER then
    own[#own + 1] = notice
  else
    redis.call('PUBLISH', P .. 'ch:' .. member, notice)
  end
end

-- "<member>:<request>" -> member, request (member ids hold no ':'; the request is the digits after the last one).
local function split_entry(entry)
  return string.match(entry, '^(.*):(%d+)$')
end

-- The oldest waiter that accepts a lease of key, and its queue: the older of the two heads (S3).
local function oldest_for(key)
  local kq = P .. 'q:' .. key
  local a = redis.call('ZRANGE', ANYQ, 0, 0, 'WITHSCORES')
  local k = redis.call('ZRANGE', kq, 0, 0, 'WITHSCORES')
  if #k > 0 and (#a == 0 or tonumber(k[2]) < tonumber(a[2])) then return k[1], kq end
  if #a > 0 then return a[1], ANYQ end
  return nil
end

-- Records a new lease of g for member's request; g.active grows by one. Returns its id (S6).
local function issue(g, member, request)
  local id = redis.call('HINCRBY', META, 'lease', 1)
  redis.call('HSET', P .. 'ml:' .. member, id, request .. ' 0 ' .. g.key)
  redis.call('ZADD', P .. 'l:' .. g.key, id, id .. ':' .. member)
  g.active = g.active + 1
  return id
end

-- Takes the waiter out of its queues and grants it a new lease of g, told to its member (D4).
-- Its member's keys must have been checked (guard_member) before the script's first write.
local function grant_waiter(g, entry, queue)
  local member, request = split_entry(entry)
  redis.call('ZREM', queue, entry)
  redis.call('HDEL', P .. 'mw:' .. member, request)
  local id = issue(g, member, request)
  notify(member, 'g ' .. request .. ' ' .. id .. ' ' .. g.target .. ' ' .. g.active .. ' ' .. g.key)
end

-- Lets g grant to the oldest waiters it can serve, saves it, then puts it where it belongs in the
-- rotation: at the back if it just became able to grant or granted and still can (S4), out if it
-- cannot, where it was otherwise. Leaves no waiter g could serve (S5). (grants.ts serveGroup)
local function serve(g)
  local s = spare(g)
  local granted = false
  while s > 0 do
    local entry, queue = oldest_for(g.key)
    if not entry then break end
    guard_member((split_entry(entry)))
    grant_waiter(g, entry, queue)
    granted = true
    s = s - 1
  end
  save(g)
  if s == 0 then
    redis.call('ZREM', READY, g.key)
  elseif granted or not redis.call('ZSCORE', READY, g.key) then
    redis.call('ZADD', READY, next_seq(), g.key)
  end
end

-- The group a request wanting key (nil: any key) would be granted from now, if any (grants.ts grantableEntry).
local function grantable(key)
  local g
  if key == nil then
    local head = redis.call('ZRANGE', READY, 0, 0)
    if #head == 0 then return nil end
    g = group(head[1])
    if not g then foreign(READY, 'a key with no group') end
  else
    g = group(key)
  end
  if g and spare(g) > 0 then return g end
  return nil
end

-- Grants the caller's request a lease of g at once; g goes to the back of the rotation, or out if
-- it has no spare left (grants.ts grantNow). No older waiter could take it (S5). Returns the id.
local function grant_now(g, request)
  local s = spare(g)
  local id = issue(g, CALLER, request)
  save(g)
  if s == 1 then
    redis.call('ZREM', READY, g.key)
  else
    redis.call('ZADD', READY, next_seq(), g.key)
  end
  return id
end

-- Takes member's lease back; its capacity passes straight to the oldest waiter of its key (the
-- counts do not move), or the group's active count drops and it joins the rotation or retires
-- (grants.ts release). Returns the group, or nil if the lease was not out (released, lost, never issued).
local function release(member, id)
  local ml = P .. 'ml:' .. member
  local v = redis.call('HGET', ml, id)
  if not v then return nil end
  local key = string.match(v, '^%d+ [01] (.*)$')
  if not key then foreign(ml, 'a field that is not "<request> <revoked> <key>"') end
  local g = group(key)
  if not g then foreign(GROUPS, 'no group for a lease out') end
  local lk = P .. 'l:' .. key
  guard({ lk, 'zset' })
  g.active = g.active - 1
  -- Found (reading both queues) and checked before anything is written.
  local entry, queue
  if spare(g) > 0 then entry, queue = oldest_for(key) end
  if entry then guard_member((split_entry(entry))) end
  redis.call('HDEL', ml, id)
  redis.call('ZREM', lk, id .. ':' .. member)
  if entry then
    grant_waiter(g, entry, queue)
    return g
  end
  save(g)
  if spare(g) > 0 and not redis.call('ZSCORE', READY, key) then redis.call('ZADD', READY, next_seq(), key) end
  return g
end

-- Revokes g's newest unrevoked leases until at most g.target are unrevoked (S11); each stays out.
local function revoke(g)
  local lk = P .. 'l:' .. g.key
  local over = redis.call('ZCARD', lk) - g.target
  while over > 0 do
    local popped = redis.call('ZPOPMAX', lk)
    local id, member = string.match(popped[1], '^(%d+):(.*)$')
    local ml = P .. 'ml:' .. member
    local v = redis.call('HGET', ml, id)
    if v then
      local request, key = string.match(v, '^(%d+) [01] (.*)$')
      redis.call('HSET', ml, id, request .. ' 1 ' .. key)
    end
    notify(member, 'r ' .. id)
    over = over - 1
  end
end

-- Drops member's waiters from their queues (D3, D6).
local function drop_waiters(member)
  local mw = P .. 'mw:' .. member
  local waiters = redis.call('HGETALL', mw)
  local queues = {}
  for i = 1, #waiters, 2 do
    local want = waiters[i + 1]
    queues[i] = ANYQ
    if want ~= '*' then
      queues[i] = P .. 'q:' .. string.sub(want, 2)
      guard({ queues[i], 'zset' })
    end
  end
  for i = 1, #waiters, 2 do
    redis.call('ZREM', queues[i], member .. ':' .. waiters[i])
  end
  redis.call('DEL', mw)
end

-- Gives back every lease of member (their capacity goes to the oldest waiters at once).
local function release_all(member)
  local leases = redis.call('HKEYS', P .. 'ml:' .. member)
  for i = 1, #leases do release(member, leases[i]) end
end

-- Removes the members whose deadline has passed, the caller included (D3, D5): every dead member's
-- waiters first, then their leases, so that no lease goes to a dead waiter. Bounded work per script.
local function reap(now)
  local dead = redis.call('ZRANGEBYSCORE', MEMBERS, '-inf', now, 'LIMIT', 0, 16)
  if #dead == 0 then return end
  guard_all_fixed()
  for i = 1, #dead do
    guard_member(dead[i])
  end
  for i = 1, #dead do
    drop_waiters(dead[i])
    redis.call('ZREM', MEMBERS, dead[i])
  end
  for i = 1, #dead do
    release_all(dead[i])
    notify(dead[i], 'x')
  end
end

local function is_member(member)
  return redis.call('ZSCORE', MEMBERS, member) ~= false
end

-- Checks the keys of key's group, which set may write.
local function guard_key(key)
  guard({ P .. 'q:' .. key, 'zset', P .. 'l:' .. key, 'zset' })
end

-- Checks the caller's own keys, for the scripts that may write both.
local function guard_caller()
  guard_member(CALLER)
end

-- Starts a script: checks the fixed keys, reaps the dead; returns Redis' time in ms.
local function begin()
  guard_fixed()
  local now = now_ms()
  reap(now)
  return now
end

-- Runs main and turns a foreign value into a reply rather than an error (D8).
local function run(main)
  local ok, result = pcall(main)
  if ok then return result end
  if type(result) == 'table' and result.foreign then
    return { 'foreign', result.foreign, result.found }
  end
  -- A key read before any write held another type: nothing was written.
  local message = result
  if type(result) == 'table' then message = result.err end
  if type(message) == 'string' and string.find(message, 'WRONGTYPE', 1, true) then
    return { 'foreign', '', message }
  end
  error(result)
end
