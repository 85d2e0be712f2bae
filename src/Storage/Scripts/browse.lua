-- Reads one minute for a listing (SlotStore.BrowseAsync), at most ARGV[4] list elements per call. The list holds the
-- minute in acceptance order (an element's index is its sequence: elements are only ever pushed at its end, never
-- removed one by one, and the whole list is deleted when the minute is done), but a listing goes in (due, sequence)
-- order, which a window of the list does not give: any later element may be due earlier. So a minute of at most
-- ARGV[5] elements is read whole and ordered by the caller, and a longer one through its order index KEYS[5]: a ZSET
-- of its sequences scored by their cursor (offset * 2^32 + seq, as SlotCursor, exact below 2^53). The index is built
-- here from where it stopped, a budget at a time (it holds sequences 0 to its size - 1; the list only grows at its
-- end, so what it holds never changes), and expires ARGV[6] seconds after its last use: memory only for a minute
-- someone pages through. A page then reads the index from the cursor and only the elements it names.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash, KEYS[5] order index
-- ARGV[1] the lowest cursor wanted (ZRANGEBYSCORE form: '(123' after 123, or '-inf'), ARGV[2] the highest ('+inf' or a
-- number), ARGV[3] at most how many (index mode), ARGV[4] element budget, ARGV[5] longest minute read whole,
-- ARGV[6] the order index's lifetime in seconds
-- Returns: { {printed cursor, receipts, epoch record}, elements read, list length, mode, ... } by mode:
--   0 whole: the elements (sequence = position), the canceled set (expired ones as -1 - seq), { seq, move record, ... }
--   1 index: the sequences wanted in order, their elements, a state each (0 none, 1 canceled, 2 expired, or the move
--     record of a moved one), and how many were asked for after the budget (fewer found: the minute has no more)
--   2 not now: the budget went on building the index (or the minute is longer than what is left of it): call again

--- @include "includes/epochRecord"
--- @include "includes/moveRecord"

local m = redis.call('HMGET', KEYS[2], 'p', 'r', 'e')
m[3] = epochRecord(KEYS[1], m[3])
local length = redis.call('LLEN', KEYS[1])
local budget, whole = tonumber(ARGV[4]), tonumber(ARGV[5])

if length <= whole then
  if length > budget then return { m, 0, length, 2 } end
  local canceled = redis.call('SMEMBERS', KEYS[3])
  local moves = {}
  for _, seq in ipairs(canceled) do
    local r = tonumber(seq) >= 0 and moveRecord(KEYS[4], seq)
    if r then moves[#moves + 1] = seq; moves[#moves + 1] = r end
  end
  return { m, length, length, 0, redis.call('LRANGE', KEYS[1], 0, -1), canceled, moves }
end

local function offset(element) return tonumber(string.match(element, '^%d+')) end

-- An index longer than the list is from a list the store lost: start it again (a shorter one is extended below).
local built = redis.call('ZCARD', KEYS[5])
if built > length then redis.call('DEL', KEYS[5]); built = 0 end
local read = 0
while built < length and read < budget do
  local elements = redis.call('LRANGE', KEYS[1], built, built + math.min(length - built, budget - read, 1000) - 1)
  local args = {}
  for i, element in ipairs(elements) do
    local seq = built + i - 1
    args[#args + 1] = string.format('%.0f', offset(element) * 4294967296 + seq)
    args[#args + 1] = tostring(seq)
  end
  redis.call('ZADD', KEYS[5], unpack(args))
  built, read = built + #elements, read + #elements
end
redis.call('EXPIRE', KEYS[5], tonumber(ARGV[6]))
local want = math.min(tonumber(ARGV[3]), budget - read)
if built < length or want <= 0 then return { m, read, length, 2 } end

local found = redis.call('ZRANGEBYSCORE', KEYS[5], ARGV[1], ARGV[2], 'WITHSCORES', 'LIMIT', 0, want)
local seqs, elements, states = {}, {}, {}
for i = 1, #found, 2 do
  local seq = found[i]
  local element = redis.call('LINDEX', KEYS[1], tonumber(seq))
  -- The index must say what the list says; when not (a store that lost and re-took writes), it is built again.
  if not element or offset(element) ~= math.floor(tonumber(found[i + 1]) / 4294967296) then
    redis.call('DEL', KEYS[5])
    return { m, read + #seqs, length, 2 }
  end
  local state = 0
  if redis.call('SISMEMBER', KEYS[3], seq) == 1 then
    state = moveRecord(KEYS[4], seq) or 1
  elseif redis.call('SISMEMBER', KEYS[3], tostring(-1 - tonumber(seq))) == 1 then
    state = 2
  end
  seqs[#seqs + 1], elements[#elements + 1], states[#states + 1] = tonumber(seq), element, state
end
return { m, read + #seqs, length, 1, seqs, elements, states, want }
