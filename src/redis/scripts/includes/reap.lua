-- Liveness (D3, D5, D6): members whose deadline passed are reaped, their waiters dropped and then their
-- leases given back through release() (includes/grants.lua); a stopping member's final leave departs the
-- same way. A departure is applied whole or not at all (D8): every key it can touch is read or check()ed
-- before its first write.
-- The reap runs at the start of heartbeat, join, leave, set, get and keys, not of the calls of the hot
-- path (acquire, try, release, cancel), which then need neither TIME nor the scan of the members: every
-- live member heartbeats every leaseTtl / 3, so a dead member is reaped within one heartbeat interval of
-- its deadline, and its capacity is back within leaseTtl + one heartbeat interval (D3's bound). Until
-- then its waiters may be granted leases, which the reap gives back with the rest.

-- Checks the fixed keys, for the rare paths (join, reap, leave) that may write any of them.
local function check_fixed()
  check(GROUPS, 'hash')
  check(READY, 'zset')
  check(MEMBERS, 'zset')
  check(ANYQ, 'zset')
  check(META, 'hash')
end

-- Checks that the first n waiters of queue are "<member>:<request>" entries whose members' keys hold the
-- pool's types: a lease given back can reach any of them.
local function vet_heads(queue, n)
  local heads = redis.call('ZRANGE', queue, 0, n - 1)
  for i = 1, #heads do
    check_member((waiter_of(heads[i], queue)))
  end
end

-- Reads, writing nothing, every key that the departure of members (their waiters dropped, then their
-- leases given back) can touch, so that a foreign value anywhere refuses the whole departure before its
-- first write. The freed capacity of a key reaches at most its first waiters, counting the departing
-- members' own waiters before them.
local function vet_departures(members)
  local dropped, freed, per_key = 0, 0, {}
  for i = 1, #members do
    local waiters = redis.call('HGETALL', pool_key('mw:', members[i]))
    for j = 2, #waiters, 2 do
      if waiters[j] ~= '*' then check(pool_key('q:', string.sub(waiters[j], 2)), 'zset') end
    end
    dropped = dropped + #waiters / 2
    local ml = pool_key('ml:', members[i])
    local leases = redis.call('HGETALL', ml)
    for j = 2, #leases, 2 do
      local key = lease_key(ml, leases[j])
      per_key[key] = (per_key[key] or 0) + 1
      freed = freed + 1
    end
  end
  for key, n in pairs(per_key) do
    if not group(key) then foreign(GROUPS, 'no group for a lease out') end
    check(pool_key('l:', key), 'zset')
    vet_heads(pool_key('q:', key), n + dropped)
  end
  if freed > 0 then vet_heads(ANYQ, freed + dropped) end
end

-- Drops member's waiters from their queues (D3, D6); their keys were vetted. A group created on demand
-- has no waiter of its key while it has spare (S5), and none at all with nothing out: dropping waiters
-- leaves no such group idle.
local function drop_waiters(member)
  local mw = pool_key('mw:', member)
  local waiters = redis.call('HGETALL', mw)
  for i = 1, #waiters, 2 do
    local queue = ANYQ
    if waiters[i + 1] ~= '*' then queue = pool_key('q:', string.sub(waiters[i + 1], 2)) end
    redis.call('ZREM', queue, member .. ':' .. waiters[i])
  end
  if #waiters > 0 then count_waiters(-#waiters / 2) end
  redis.call('DEL', mw)
end

-- Gives back every lease of member (their capacity goes to the oldest waiters at once).
local function release_all(member)
  local leases = redis.call('HKEYS', pool_key('ml:', member))
  for i = 1, #leases do release(member, leases[i]) end
end

-- Removes the members whose deadline has passed, the caller included (D3, D5): every dead member's
-- waiters first, then their leases, so that no lease goes to a dead waiter. Bounded work per call.
-- leaving: members that leave in the same call once the reap is done (vetted with the dead, so that the
-- call is refused before the reap writes anything).
local function reap(now, leaving)
  local dead = redis.call('ZRANGEBYSCORE', MEMBERS, '-inf', now, 'LIMIT', 0, 16)
  if #dead == 0 and not leaving then return end
  check_fixed()
  local departing = {}
  for i = 1, #dead do departing[#departing + 1] = dead[i] end
  for i = 1, #(leaving or {}) do departing[#departing + 1] = leaving[i] end
  vet_departures(departing)
  for i = 1, #dead do
    drop_waiters(dead[i])
    redis.call('ZREM', MEMBERS, dead[i])
  end
  for i = 1, #dead do
    release_all(dead[i])
    notify(dead[i], 'x ' .. dead[i])
  end
end

-- Whether member is a member: joined, not reaped, not left (one past its deadline that no reap has
-- removed yet still is; the reap that removes it undoes what it did meanwhile).
local function is_member(member)
  return redis.call('ZSCORE', MEMBERS, member) ~= false
end

-- Whether member is a member whose deadline has not passed (D5). The calls of the hot path, which do not
-- reap, answer a member past its deadline "gone" rather than grant or queue anything for it: a lease
-- handed to it would be taken back by the next reap, and its rejoin gives back what it held, in order.
local function is_live(member)
  local deadline = redis.call('ZSCORE', MEMBERS, member)
  return deadline ~= false and tonumber(deadline) > now_ms()
end

-- Starts a call: reaps the dead (leaving: as reap's); returns Redis' time in ms.
local function begin(leaving)
  local now = now_ms()
  reap(now, leaving)
  return now
end
