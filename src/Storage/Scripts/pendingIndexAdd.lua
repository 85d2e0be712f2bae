-- Indexes the minutes a group commit wrote to (PendingIndex.cs), adding what is not indexed yet (NX: a score a test
-- changed stays). Atomic, so an hour is in the ZSET of hours exactly while it has a minute indexed, and the count is
-- the number of minutes indexed. All keys are in the hash slot of {slots}.
-- KEYS[1] the ZSET of hours, KEYS[2] the count of minutes, KEYS[3..] the minutes ZSET of each hour written to
-- ARGV per such hour: the hour, the number of its minutes, the minutes
-- Returns: the number of minutes added

local added = 0
local a = 1
for k = 3, #KEYS do
  local hour, count = ARGV[a], tonumber(ARGV[a + 1])
  local entries = {}
  for i = a + 2, a + 1 + count do
    entries[#entries + 1] = ARGV[i]
    entries[#entries + 1] = ARGV[i]
  end
  a = a + 2 + count
  local new = redis.call('ZADD', KEYS[k], 'NX', unpack(entries))
  -- Nothing new: the hour had minutes indexed already, so it is in the ZSET of hours.
  if new > 0 then redis.call('ZADD', KEYS[1], 'NX', hour, hour) end
  added = added + new
end
if added > 0 then redis.call('INCRBY', KEYS[2], added) end
return added
