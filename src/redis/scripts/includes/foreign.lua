-- D8: a key of the pool holding a foreign value (another type, or not the pool's format) makes the call
-- reply { "foreign", <redis key>, <what was found> }, with nothing written. Every check of D8 is here;
-- the rules (includes/grants.lua, includes/reap.lua) only keep their reads before their writes and
-- check() the keys they write without having read them.
--
-- How, with one pcall per call rather than one per command: Redis keeps the writes of a script that
-- fails half-way, so every path
--   1. reads what it needs first (a read of a key holding another type raises WRONGTYPE, nothing written),
--   2. check()s with TYPE each key it will write without having read it, except the one its first write
--      goes to (that write fails as harmlessly as a read),
--   3. then writes.
-- WRONGTYPE does not say which key raised it: run() catches it and finds the key by the types of the
-- fixed keys and of the keys the call built (pool_key()), a search only a refused call pays for. A value
-- of the right type but not in the pool's format is refused by the parser that meets it (foreign()).

-- The keys this call built with pool_key(), in order: where run() looks for a foreign value.
local built

-- Refuses the call: key holds a foreign value (found: its type, or what is wrong with it).
local function foreign(key, found)
  error({ foreign = key, found = found })
end

-- The key <P><part><name> of the pool (part "q:", "l:", "mw:" or "ml:", see includes/pool.lua).
local function pool_key(part, name)
  local key = P .. part .. name
  built[#built + 1] = key
  return key
end

-- Refuses the call unless key holds nothing or a value of type kind (step 2 above).
local function check(key, kind)
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= kind then foreign(key, found) end
end

-- After a WRONGTYPE: the first key of the call that holds another type than the pool keeps there, and
-- that type (nil if none does: the error came from elsewhere).
local function culprit()
  local fixed = { GROUPS, 'hash', READY, 'zset', MEMBERS, 'zset', ANYQ, 'zset', META, 'hash' }
  for i = 1, #fixed, 2 do
    local found = redis.call('TYPE', fixed[i])['ok']
    if found ~= 'none' and found ~= fixed[i + 1] then return fixed[i], found end
  end
  for i = 1, #built do
    local part = string.sub(built[i], #P + 1, #P + 2)
    local kind = 'hash'
    if part == 'q:' or part == 'l:' then kind = 'zset' end
    local found = redis.call('TYPE', built[i])['ok']
    if found ~= 'none' and found ~= kind then return built[i], found end
  end
  return nil
end

-- Runs main as one call of the pool (keys: KEYS, args: ARGV, as includes/pool.lua lists them), after
-- setting the call's state; turns a foreign value into a reply rather than an error (D8).
local function run(keys, args, main)
  P, CALLER = args[1], args[2]
  GROUPS, READY, MEMBERS, ANYQ, META = keys[1], keys[2], keys[3], keys[4], keys[5]
  own, built, clock_s, clock_us = {}, {}, nil, nil
  read_shard()
  local ok, result = pcall(main)
  if ok then return result end
  if type(result) == 'table' and result.foreign then return { 'foreign', result.foreign, result.found } end
  local message = result
  if type(result) == 'table' then message = result.err end
  if type(message) == 'string' and string.find(message, 'WRONGTYPE', 1, true) then
    local key, found = culprit()
    if key then return { 'foreign', key, found } end
    return { 'foreign', '', message }
  end
  -- Redis' own refusal (OOM before the first write) is returned as it came, so its code stays first (D6).
  if type(message) == 'string' then return redis.error_reply(message) end
  error(result)
end
