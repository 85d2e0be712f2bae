-- Claims schedules due to be materialised: their scores move to the lease's end, atomically, so no other process
-- claims them while this one works (and one that died is replaced when the lease ends).
-- KEYS[1] the schedules' due index (ZSET id -> ms)
-- ARGV[1] now ms, ARGV[2] lease ms, ARGV[3] most ids to claim
-- Returns: the claimed ids

local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local lease = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', lease, id)
end
return ids
