-- The pool's layout and the state of one call: the first include of every script of the Redis pool.
--
-- Every script takes the same first KEYS, all under the pool's one hash tag (D2):
--   KEYS[1] groups   hash  key -> "<target> <active> <created seq>", with " d" after it for a group created on
--                          demand (D10, SPEC S12); a group exists while it has a field
--   KEYS[2] ready    zset  key -> turn: the groups that can grant, front first (S4)
--   KEYS[3] members  zset  member -> deadline (ms, Redis TIME): alive until then (D3)
--   KEYS[4] anyq     zset  "<member>:<request>" -> arrival seq: any-key waiters (S3)
--   KEYS[5] meta     hash  "lease" -> last lease id, "seq" -> last arrival/turn, "waiting" -> how many waiters
--                          the queues hold (D10; absent: none), "dt" -> the pool's defaultTarget (D10; absent:
--                          none), as its live members asked for it, "n" -> the pool's shards (D9; absent: 1),
--                          recorded in the home keys (those of a one-shard pool) only
-- A pool of n > 1 shards (D9) is n such sets of keys, shard i's under the tag "{<prefix>:<name>:<i>/<n>:<j>}"
-- (src/redis/shards.ts), each with its own keys, waiters, leases, members and counters; a key's group lives
-- in one shard. Its members also join the home keys ("{<prefix>:<name>}"), where the pool's n is recorded
-- and checked, and nothing else is kept.
-- Lease ids (fencing tokens, D1, D11) of shard i of n are the least k * n + i with k above the last id's and
-- k * n not below Redis' TIME in µs: they never repeat (within a shard or across shards) and never go back,
-- even where Redis lost the counter (a failover to a lagging replica, a restart without data), as long as the
-- new primary's clock is not behind the old one's by more than the failover took and the shard grants less
-- than one lease per n µs on average. With n = 1: max(last + 1, TIME in µs).
-- ARGV[1] = the pool's (or shard's) tag ("{<prefix>:<name>}"), ARGV[2] = the calling member's id: its process's
-- id, then "<process id>/<n>" after its n-th rejoin, so that Redis itself tells an old incarnation's
-- requests from the new one's (they reply "gone", or were undone by the old one's leave).
-- Keys built from ARGV[1] (same hash tag, so the same Cluster slot), by pool_key() in includes/foreign.lua:
--   <P>q:<key>      zset  "<member>:<request>" -> arrival seq: waiters for one key (S3)
--   <P>l:<key>      zset  "<lease>:<member>" -> lease id: that key's unrevoked leases (S11: ZPOPMAX = newest)
--   <P>mw:<member>  hash  request -> "*" (any key) or "=<key>": the member's waiters
--   <P>ml:<member>  hash  lease -> "<request> <0|1 revoked> <key>": the member's leases
--   <P>ch:<process> the notification channel of every incarnation of a member process (PUBLISH; SPUBLISH in a
--                   shard of a pool of n > 1, so that on a Cluster a notice stays on the shard's master)
-- Notices, to the caller in its reply and to other members on their channel (D4):
--   "g <request> <lease> <target> <active> <key>"  request granted lease; key's counts after
--   "r <lease>"                                     lease revoked by set (S11)
--   "x <member>"                                    member reaped: its leases are lost (D5)
-- Replies are arrays whose first element is a status word; counts and ids in them are digits (strings),
-- since a client may read an integer reply near 2^53 inexactly (node-redis read 2^53 - 1 as 2^53); a
-- foreign value in a key of the pool replies { "foreign", <redis key>, <what was found> } (D8) before
-- anything is written.
--
-- The same text runs as EVALSHA scripts (each script's own includes, then its body) and as one library of
-- Redis Functions (every include once, then each body registered as a function). In a library these
-- locals outlive a call, so run() (includes/foreign.lua) sets every one of them at the start of each call.

-- The call's pool: its tag prefix, the calling member, the fixed keys; the shard its tag names (0 of 1 for
-- a one-shard pool and for the home keys of a sharded one).
local P, CALLER, GROUPS, READY, MEMBERS, ANYQ, META, SHARD, SHARDS
-- Notices for the caller, carried in its reply instead of published.
local own
-- Redis' TIME as seconds and microseconds, read at most once per call (nil until read).
local clock_s, clock_us

-- An integer as digits: Lua writes numbers of 15 digits or more in exponent form ("1e+14").
local function int(n)
  return string.format('%d', n)
end

-- Reads Redis' TIME once per call.
local function read_clock()
  if not clock_s then
    local t = redis.call('TIME')
    clock_s, clock_us = tonumber(t[1]), tonumber(t[2])
  end
end

local function now_ms()
  read_clock()
  return clock_s * 1000 + math.floor(clock_us / 1000)
end

-- The next arrival/turn seq. META must have been read or be this path's first write (D8).
local function next_seq()
  return redis.call('HINCRBY', META, 'seq', 1)
end

-- Reads the shard the tag P names: "{<prefix>:<name>:<i>/<n>:<j>}" (":" is escaped in prefix and name, so
-- a one-shard tag cannot end so), else shard 0 of 1.
local function read_shard()
  local i, n = string.match(P, ':(%d+)/(%d+):%d+}$')
  if i then
    SHARD, SHARDS = tonumber(i), tonumber(n)
  else
    SHARD, SHARDS = 0, 1
  end
end

-- Publishes on the channel of member's process: PUBLISH, or SPUBLISH in a shard of a sharded pool (D9).
local function publish(member, message)
  local channel = P .. 'ch:' .. string.match(member, '^[^/]*')
  if SHARDS > 1 then
    redis.call('SPUBLISH', channel, message)
  else
    redis.call('PUBLISH', channel, message)
  end
end

-- Tells member a notice: in the reply if it is the caller, else on its process's channel, where every
-- incarnation of it listens (D4).
local function notify(member, notice)
  if member == CALLER then
    own[#own + 1] = notice
  else
    publish(member, notice)
  end
end

-- "<member>:<request>" -> member, request (member ids hold no ':'; the request is the digits after the last one).
local function split_entry(entry)
  return string.match(entry, '^(.*):(%d+)$')
end
