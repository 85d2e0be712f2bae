-- Takes a minute out of the index of pending minutes, and its hour with its last minute (atomic, as
-- pendingIndexAdd.lua).
-- KEYS[1] the ZSET of hours, KEYS[2] the count of minutes, KEYS[3] the minute's hour's ZSET
-- ARGV[1] hour, ARGV[2] minute
-- Returns: 1 when it was indexed, else 0

if redis.call('ZREM', KEYS[3], ARGV[2]) == 0 then return 0 end
redis.call('DECRBY', KEYS[2], 1)
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1
