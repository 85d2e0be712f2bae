-- Calls a reschedule attempt off unless the message already left: marks the attempt's nonce so that its moveOut.lua,
-- if it still comes, takes nothing.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] nonce hash
-- ARGV[1] sequence, ARGV[2] the attempt's nonce
-- Returns: the move record when there is one ('P...' or 'D...', to finish or forget); '' when the minute's list is gone
-- or the minute closed (finished or unknown: no move can start there any more); else 'X'

local field = 'mv:' .. ARGV[1]
local r = redis.call('HGET', KEYS[3], field)
if r and string.sub(r, 1, 1) ~= 'X' then return r end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], 'x') == 1 then return '' end
redis.call('HSET', KEYS[3], field, r and (r .. ',' .. ARGV[2]) or ('X' .. ARGV[2]))
return 'X'
