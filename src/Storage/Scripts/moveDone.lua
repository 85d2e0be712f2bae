-- Records where a moved message arrived, once, over its pending move record (a hash that expired with its minute
-- stays gone).
-- KEYS[1] the nonce hash of the minute it left
-- ARGV[1] sequence, ARGV[2] 'D{new due ms}|{new id}'
-- Returns: the record as it was ('' when there was none)

local field = 'mv:' .. ARGV[1]
local r = redis.call('HGET', KEYS[1], field)
if r and string.sub(r, 1, 1) == 'P' then redis.call('HSET', KEYS[1], field, ARGV[2]) end
return r or ''
