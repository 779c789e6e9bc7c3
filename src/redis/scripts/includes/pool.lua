-- Shared prelude of every script of the Redis pool (put in front of each script's text).
-- The second implementation of the grant rules of src/machines/pool/grants.ts (SPEC S1-S7, S11;
-- DISTRIBUTED.md D1-D3): model tests compare both with model-tests/model.ts.
--
-- Every script takes the same first KEYS, all under the pool's one hash tag (D2):
--   KEYS[1] groups   hash  key -> "<target> <active> <created seq>"; a group exists while it has a field
--   KEYS[2] ready    zset  key -> turn: the groups that can grant, front first (S4)
--   KEYS[3] members  zset  member -> deadline (ms, Redis TIME): alive until then (D3)
--   KEYS[4] anyq     zset  "<member>:<request>" -> arrival seq: any-key waiters (S3)
--   KEYS[5] meta     hash  "lease" -> last lease id, "seq" -> last arrival/turn
-- Lease ids (fencing tokens, D1, D11) are max(last + 1, Redis' TIME in µs): they never repeat and never
-- go back, even where Redis lost the counter (a failover to a lagging replica, a restart without data),
-- as long as the new primary's clock is not behind the old one's by more than the failover took.
-- ARGV[1] = the pool's tag prefix ("{<prefix>:<name>}"), ARGV[2] = the calling member's id: its process's
-- id, then "<process id>/<n>" after its n-th rejoin, so that Redis itself tells an old incarnation's
-- requests from the new one's (they reply "gone", or were undone by the old one's leave).
-- Keys built from ARGV[1] (same hash tag, so the same Cluster slot):
--   <P>q:<key>      zset  "<member>:<request>" -> arrival seq: waiters for one key (S3)
--   <P>l:<key>      zset  "<lease>:<member>" -> lease id: that key's unrevoked leases (S11: ZPOPMAX = newest)
--   <P>mw:<member>  hash  request -> "*" (any key) or "=<key>": the member's waiters
--   <P>ml:<member>  hash  lease -> "<request> <0|1 revoked> <key>": the member's leases
--   <P>ch:<process> the notification channel of every incarnation of a member process (PUBLISH)
-- Notices, to the caller in its reply and to other members on their channel (D4):
--   "g <request> <lease> <target> <active> <key>"  request granted lease; key's counts after
--   "r <lease>"                                     lease revoked by set (S11)
--   "x <member>"                                    member reaped: its leases are lost (D5)
-- Replies are arrays whose first element is a status word; counts and ids in them are digits (strings),
-- since a client may read an integer reply near 2^53 inexactly (node-redis read 2^53 - 1 as 2^53); a foreign value in a key of the pool
-- replies { "foreign", <redis key>, <what was found> } (D8) before anything is written.
--
-- How a foreign value is caught before anything is written (D8; Redis keeps a failed script's writes):
-- every path reads what it needs first, then checks (TYPE) only the keys it will write that it has not
-- touched yet, then writes. A read of a key holding another type fails with WRONGTYPE, which on()
-- turns into a `foreign` reply naming the key; so does the path's first write, as nothing was written
-- before it. So only keys written second or later without an earlier read cost a TYPE.

local P = ARGV[1]
local CALLER = ARGV[2]
local GROUPS, READY, MEMBERS, ANYQ, META = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- Notices for the caller, carried in the reply instead of published.
local own = {}
-- The keys this script has touched without error: each holds nothing or the pool's type there.
local known = {}
-- Whether this script has written anything yet.
local wrote = false

-- A key of the pool holds a value of another type (D8): raised as a table, turned into a reply by run().
local function foreign(key, found)
  error({ foreign = key, found = found })
end

-- Raises foreign unless key holds nothing or a value of type kind.
local function check(key, kind)
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= kind then foreign(key, found) end
  known[key] = true
end

-- Runs cmd on key (its first key); a value of another type there is a foreign value in key.
local function on(cmd, key, ...)
  local reply = redis.pcall(cmd, key, ...)
  if type(reply) == 'table' and reply.err then
    if string.find(reply.err, 'WRONGTYPE', 1, true) then foreign(key, redis.call('TYPE', key)['ok']) end
    error(reply)
  end
  known[key] = true
  return reply
end

local function read(cmd, key, ...)
  return on(cmd, key, ...)
end

-- The type each write command needs its key to hold.
local kinds = { Z = 'zset', H = 'hash' }

-- Writes with cmd to key. A key not touched before a write that is not the script's first is
-- checked here, late (earlier writes stand): the paths check such keys with ensure() first, so
-- this is only a backstop for the rare paths that write to many members' keys (reap, leave).
local function write(cmd, key, ...)
  if wrote and not known[key] then
    local kind = kinds[string.sub(cmd, 1, 1)]
    if kind then check(key, kind) end
  end
  local reply = on(cmd, key, ...)
  wrote = true
  return reply
end

-- Checks, before the first write, the keys a path will write that it has not read: list is
-- { key, type, key, type, ... }.
local function ensure(list)
  for i = 1, #list, 2 do
    if not known[list[i]] then check(list[i], list[i + 1]) end
  end
end

-- The fixed keys, for the rare paths (join, reap, leave) that check them all up front.
local function guard_all_fixed()
  ensure({ GROUPS, 'hash', READY, 'zset', MEMBERS, 'zset', ANYQ, 'zset', META, 'hash' })
end

-- The keys of a member that a grant to it writes.
local function member_keys(member, list)
  list[#list + 1] = P .. 'mw:' .. member
  list[#list + 1] = 'hash'
  list[#list + 1] = P .. 'ml:' .. member
  list[#list + 1] = 'hash'
  return list
end

local function guard_member(member)
  ensure(member_keys(member, {}))
end

-- An integer as digits: Lua writes numbers of 15 digits or more in exponent form ("1e+14").
local function int(n)
  return string.format('%d', n)
end

-- Redis' time as { seconds, microseconds }, read once per script.
local clock
local function redis_time()
  if not clock then
    local t = redis.call('TIME')
    clock = { tonumber(t[1]), tonumber(t[2]) }
  end
  return clock
end

local function now_ms()
  local t = redis_time()
  return t[1] * 1000 + math.floor(t[2] / 1000)
end

local function next_seq()
  return write('HINCRBY', META, 'seq', 1)
end

-- The group of key, or nil.
local function group(key)
  local v = read('HGET', GROUPS, key)
  if not v then return nil end
  local t, a, c = string.match(v, '^(%d+) (%d+) (%d+)$')
  if not t then foreign(GROUPS, 'a field that is not "<target> <active> <created>"') end
  return { key = key, target = tonumber(t), active = tonumber(a), created = c }
end

local function spare(g)
  if g.active < g.target then return g.target - g.active end
  return 0
end

-- Writes g's counts, or forgets the group when both are 0 (S1). A new group (created nil) takes
-- the next arrival seq as its creation seq.
local function save(g)
  if g.target == 0 and g.active == 0 then
    write('HDEL', GROUPS, g.key)
    write('ZREM', READY, g.key)
  else
    if not g.created then g.created = next_seq() end
    write('HSET', GROUPS, g.key, int(g.target) .. ' ' .. int(g.active) .. ' ' .. g.created)
  end
end

-- The channel of member's process: every incarnation of it listens there.
local function channel(member)
  return P .. 'ch:' .. string.match(member, '^[^/]*')
end

local function notify(member, notice)
  if member == CALLER then
    own[#own + 1] = notice
  else
    redis.call('PUBLISH', channel(member), notice)
  end
end

-- "<member>:<request>" -> member, request (member ids hold no ':'; the request is the digits after the last one).
local function split_entry(entry)
  return string.match(entry, '^(.*):(%d+)$')
end

-- The oldest waiter that accepts a lease of key, and its queue: the older of the two heads (S3).
local function oldest_for(key)
  local kq = P .. 'q:' .. key
  local a = read('ZRANGE', ANYQ, 0, 0, 'WITHSCORES')
  local k = read('ZRANGE', kq, 0, 0, 'WITHSCORES')
  if #k > 0 and (#a == 0 or tonumber(k[2]) < tonumber(a[2])) then return k[1], kq end
  if #a > 0 then return a[1], ANYQ end
  return nil
end

-- The n oldest waiters that accept a lease of key, oldest first, as { entry, queue } (S3).
local function oldest_n(key, n)
  if n == 1 then
    local entry, queue = oldest_for(key)
    if entry then return { { entry, queue } } end
    return {}
  end
  local kq = P .. 'q:' .. key
  local a = read('ZRANGE', ANYQ, 0, n - 1, 'WITHSCORES')
  local k = read('ZRANGE', kq, 0, n - 1, 'WITHSCORES')
  local picks, i, j = {}, 1, 1
  while #picks < n and (i <= #a or j <= #k) do
    if j <= #k and (i > #a or tonumber(k[j + 1]) < tonumber(a[i + 1])) then
      picks[#picks + 1] = { k[j], kq }
      j = j + 2
    else
      picks[#picks + 1] = { a[i], ANYQ }
      i = i + 2
    end
  end
  return picks
end

-- The next lease id, as digits: above the last one, and not below Redis' clock in µs (D11).
local function next_lease_id()
  local t = redis_time()
  local id = math.max(tonumber(read('HGET', META, 'lease') or '0') + 1, t[1] * 1000000 + t[2])
  id = int(id)
  write('HSET', META, 'lease', id)
  return id
end

-- Records a new lease of g for member's request; g.active grows by one. Returns its id (S6), as digits.
local function issue(g, member, request)
  local id = next_lease_id()
  write('HSET', P .. 'ml:' .. member, id, request .. ' 0 ' .. g.key)
  write('ZADD', P .. 'l:' .. g.key, id, id .. ':' .. member)
  g.active = g.active + 1
  return id
end

-- Grants the waiter a new lease of g and takes it out of its queues, told to its member (D4). The
-- lease id is its first write; its member's keys and g's lease set must be known or ensured.
local function grant_waiter(g, entry, queue)
  local member, request = split_entry(entry)
  local id = issue(g, member, request)
  write('ZREM', queue, entry)
  write('HDEL', P .. 'mw:' .. member, request)
  notify(member, 'g ' .. request .. ' ' .. id .. ' ' .. int(g.target) .. ' ' .. int(g.active) .. ' ' .. g.key)
end

-- Lets g grant to the oldest waiters it can serve, saves it, then puts it where it belongs in the
-- rotation: at the back if it just became able to grant or granted and still can (S4), out if it
-- cannot, where it was otherwise. Leaves no waiter g could serve (S5). (grants.ts serveGroup)
-- Reads and checks everything before its first write. A new group (created nil) is in no rotation.
local function serve(g)
  local new = not g.created
  local s = spare(g)
  local picks = {}
  if s > 0 then picks = oldest_n(g.key, s) end
  local left = s - #picks
  local rejoin = false
  if left > 0 then
    rejoin = #picks > 0 or new or not read('ZSCORE', READY, g.key)
  end
  local list = { READY, 'zset' }
  if #picks > 0 then
    list[3], list[4] = P .. 'l:' .. g.key, 'zset'
    for i = 1, #picks do member_keys((split_entry(picks[i][1])), list) end
  end
  ensure(list)
  -- A new group's creation seq is also its turn: no other seq comes between the two.
  local turn
  if rejoin then
    turn = next_seq()
    if new then g.created = turn end
  end
  for i = 1, #picks do grant_waiter(g, picks[i][1], picks[i][2]) end
  save(g)
  if left == 0 then
    if not new and (g.target ~= 0 or g.active ~= 0) then write('ZREM', READY, g.key) end
  elseif rejoin then
    write('ZADD', READY, turn, g.key)
  end
end

-- The group a request wanting key (nil: any key) would be granted from now, if any (grants.ts grantableEntry).
local function grantable(key)
  local g
  if key == nil then
    local head = read('ZRANGE', READY, 0, 0)
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
  ensure({ P .. 'ml:' .. CALLER, 'hash', P .. 'l:' .. g.key, 'zset', READY, 'zset' })
  local s = spare(g)
  local id = issue(g, CALLER, request)
  save(g)
  if s == 1 then
    write('ZREM', READY, g.key)
  else
    write('ZADD', READY, next_seq(), g.key)
  end
  return id
end

-- The key of a lease as its member's lease hash ml records it ("<request> <revoked> <key>").
local function lease_key(ml, v)
  local key = string.match(v, '^%d+ [01] (.*)$')
  if not key then foreign(ml, 'a field that is not "<request> <revoked> <key>"') end
  return key
end

-- Takes member's lease back; its capacity passes straight to the oldest waiter of its key (the
-- counts do not move), or the group's active count drops and it joins the rotation or retires
-- (grants.ts release). Returns the group, or nil if the lease was not out (released, lost, never issued).
-- Reads and checks everything before its first write (when it is the script's first release).
local function release(member, id)
  local ml = P .. 'ml:' .. member
  local v = read('HGET', ml, id)
  if not v then return nil end
  local key = lease_key(ml, v)
  local g = group(key)
  if not g then foreign(GROUPS, 'no group for a lease out') end
  local lk = P .. 'l:' .. key
  g.active = g.active - 1
  local entry, queue
  if spare(g) > 0 then entry, queue = oldest_for(key) end
  if entry then
    -- Handoff: the counts do not move; the new lease's id is the first write.
    ensure(member_keys((split_entry(entry)), { lk, 'zset' }))
    grant_waiter(g, entry, queue)
    write('HDEL', ml, id)
    write('ZREM', lk, id .. ':' .. member)
    return g
  end
  local rejoin = spare(g) > 0 and not read('ZSCORE', READY, key)
  local turn
  if rejoin then
    -- The turn's seq is the first write.
    ensure({ lk, 'zset' })
    turn = next_seq()
  elseif g.target == 0 and g.active == 0 then
    -- Retiring: the lease set's ZREM is the first write, then the group leaves the rotation.
    ensure({ READY, 'zset' })
  end
  write('ZREM', lk, id .. ':' .. member)
  write('HDEL', ml, id)
  save(g)
  if rejoin then write('ZADD', READY, turn, key) end
  return g
end

-- The leases set must revoke so that at most g.target of g's leases are unrevoked (S11), newest
-- first, as { entry, member, id, value }; reads only.
local function revocations(g)
  local lk = P .. 'l:' .. g.key
  local over = read('ZCARD', lk) - g.target
  local list = {}
  if over <= 0 then return list end
  local newest = read('ZRANGE', lk, -over, -1)
  for i = #newest, 1, -1 do
    local id, member = string.match(newest[i], '^(%d+):(.*)$')
    if not id then foreign(lk, 'a member that is not "<lease>:<member>"') end
    list[#list + 1] = { newest[i], member, id, read('HGET', P .. 'ml:' .. member, id) }
  end
  return list
end

-- Revokes the leases revocations() chose; each stays out.
local function revoke(g, list)
  if #list == 0 then return end
  write('ZPOPMAX', P .. 'l:' .. g.key, #list)
  for i = 1, #list do
    local member, id, v = list[i][2], list[i][3], list[i][4]
    if v then
      local request, key = string.match(v, '^(%d+) [01] (.*)$')
      write('HSET', P .. 'ml:' .. member, id, request .. ' 1 ' .. key)
    end
    notify(member, 'r ' .. id)
  end
end

-- Drops member's waiters from their queues (D3, D6).
local function drop_waiters(member)
  local mw = P .. 'mw:' .. member
  local waiters = read('HGETALL', mw)
  local queues = {}
  for i = 1, #waiters, 2 do
    local want = waiters[i + 1]
    queues[i] = ANYQ
    if want ~= '*' then
      queues[i] = P .. 'q:' .. string.sub(want, 2)
      ensure({ queues[i], 'zset' })
    end
  end
  for i = 1, #waiters, 2 do
    write('ZREM', queues[i], member .. ':' .. waiters[i])
  end
  write('DEL', mw)
end

-- Gives back every lease of member (their capacity goes to the oldest waiters at once).
local function release_all(member)
  local leases = read('HKEYS', P .. 'ml:' .. member)
  for i = 1, #leases do release(member, leases[i]) end
end

-- Checks that the first n waiters of queue are "<member>:<request>" entries whose members' keys
-- hold the pool's types: a lease given back can reach any of them.
local function vet_heads(queue, n)
  local heads = read('ZRANGE', queue, 0, n - 1)
  for i = 1, #heads do
    local member = split_entry(heads[i])
    if not member then foreign(queue, 'an entry that is not "<member>:<request>"') end
    ensure(member_keys(member, {}))
  end
end

-- Reads, writing nothing, every key that the departure of members (their waiters dropped, then
-- their leases given back) can touch, so that a foreign value anywhere refuses the whole departure
-- before its first write (D8): a reap or leave is applied whole or not at all. The freed capacity of
-- a key reaches at most its first waiters, counting the departing members' own waiters before them.
local function vet_departures(members)
  local dropped, freed, per_key = 0, 0, {}
  for i = 1, #members do
    local waiters = read('HGETALL', P .. 'mw:' .. members[i])
    for j = 2, #waiters, 2 do
      if waiters[j] ~= '*' then check(P .. 'q:' .. string.sub(waiters[j], 2), 'zset') end
    end
    dropped = dropped + #waiters / 2
    local ml = P .. 'ml:' .. members[i]
    local leases = read('HGETALL', ml)
    for j = 2, #leases, 2 do
      local key = lease_key(ml, leases[j])
      per_key[key] = (per_key[key] or 0) + 1
      freed = freed + 1
    end
  end
  for key, n in pairs(per_key) do
    if not group(key) then foreign(GROUPS, 'no group for a lease out') end
    check(P .. 'l:' .. key, 'zset')
    vet_heads(P .. 'q:' .. key, n + dropped)
  end
  if freed > 0 then vet_heads(ANYQ, freed + dropped) end
end

-- Removes the members whose deadline has passed, the caller included (D3, D5): every dead member's
-- waiters first, then their leases, so that no lease goes to a dead waiter. Bounded work per script.
-- leaving: members that leave in the same script once the reap is done (checked with the dead, so
-- that the script is refused before the reap writes anything).
local function reap(now, leaving)
  local dead = read('ZRANGEBYSCORE', MEMBERS, '-inf', now, 'LIMIT', 0, 16)
  if #dead == 0 and not leaving then return end
  guard_all_fixed()
  local vetted = {}
  for i = 1, #dead do vetted[#vetted + 1] = dead[i] end
  for i = 1, #(leaving or {}) do vetted[#vetted + 1] = leaving[i] end
  vet_departures(vetted)
  for i = 1, #dead do
    drop_waiters(dead[i])
    write('ZREM', MEMBERS, dead[i])
  end
  for i = 1, #dead do
    release_all(dead[i])
    notify(dead[i], 'x ' .. dead[i])
  end
end

local function is_member(member)
  return read('ZSCORE', MEMBERS, member) ~= false
end

-- Starts a script: reaps the dead (leaving: as reap's); returns Redis' time in ms.
local function begin(leaving)
  local now = now_ms()
  reap(now, leaving)
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
  -- Redis' own refusal (OOM before the first write) is returned as it came, so its code stays first (D6).
  if type(message) == 'string' then return redis.error_reply(message) end
  error(result)
end
