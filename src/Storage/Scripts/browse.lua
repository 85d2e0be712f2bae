-- Reads a minute for a listing (SlotStore.BrowseAsync): one consistent picture of it. Later pages of a long list are
-- read apart (it only grows at its end).
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] page size
-- Returns: { {printed cursor, receipts, epoch record}, length, first page, canceled set (expired ones as -1 - seq),
-- { seq, move record, ... } of the canceled ones that moved }

--- @include "includes/epochRecord"
--- @include "includes/moveRecord"

local m = redis.call('HMGET', KEYS[2], 'p', 'r', 'e')
m[3] = epochRecord(KEYS[1], m[3])
local canceled = redis.call('SMEMBERS', KEYS[3])
local moves = {}
for _, seq in ipairs(canceled) do
  local r = tonumber(seq) >= 0 and moveRecord(KEYS[4], seq)
  if r then moves[#moves + 1] = seq; moves[#moves + 1] = r end
end
return { m, redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1), canceled, moves }
