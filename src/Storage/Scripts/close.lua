-- Closes a minute when every message in it is printed or canceled (or it is empty): nothing can join it afterwards,
-- its list is deleted, and its summary (meta hash, canceled set, nonce hash) expires after the retention.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] retention seconds
-- Returns: 1 when closed (now or before), else 0

--- @include "includes/keepEpochRecord"

local m = redis.call('HMGET', KEYS[2], 'x', 'c', 'e')
if m[1] then return 1 end
local len = redis.call('LLEN', KEYS[1])
local done = tonumber(m[2] or '0') + redis.call('SCARD', KEYS[3])
if len > done then return 0 end
keepEpochRecord(m[3])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'x', '1', 'l', len)
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[4], ARGV[1])
return 1
