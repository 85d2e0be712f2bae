-- Loads a minute for its printer: the meta fields and the list's first page in one consistent picture. The rest of
-- the list is read in pages: it only grows at its end, so later pages match this snapshot.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set
-- ARGV[1] page size
-- Returns: { {v, p, n, x, e, ce, le}, length, first page, canceled sequences }

--- @include "includes/epochRecord"

local m = redis.call('HMGET', KEYS[2], 'v', 'p', 'n', 'x', 'e', 'ce', 'le')
if not m[5] then
  local record = epochRecord(KEYS[1], false)
  if record ~= '' then m[5], m[7] = record, string.match(record, '(%x+)$') end
end
return { m, redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1),
  redis.call('SMEMBERS', KEYS[3]) }
