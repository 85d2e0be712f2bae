-- Calls a reschedule attempt off unless the message already left: marks the attempt's nonce so that its moveOut.lua,
-- if it still comes, takes nothing. The id is looked up whole (includes/messageLookup), not by its sequence alone: a
-- sequence the store lost was handed out again, and the message that took it may be leaving under a move of its own,
-- whose record must not go to an intent for the lost id (it would arrive twice, under two keys).
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] sequence, ARGV[2] due offset, ARGV[3] unused (the lookup's callers' cursor), ARGV[4] epoch, ARGV[5] the
-- attempt's nonce
-- Returns: { 'moved', record } when the message left ('P...' or 'D...', to finish or forget); 'C{new due}|{new id}'
-- when a mover learned the leave was lost and the message stays (moveDone.lua): that arrival must be called off;
-- 'unknown', 'canceled', 'expired' or '' when no move can start there any more (the id names no message here, or
-- the minute is finished); else 'X'

local field = 'mv:' .. ARGV[1]

local function calledOff()
  local r = redis.call('HGET', KEYS[4], field)
  return r and string.sub(r, 1, 1) == 'C' and r
end

local function printed(m) return calledOff() or '' end

--- @include "includes/messageLookup"

local r = redis.call('HGET', KEYS[4], field)
if r and string.sub(r, 1, 1) == 'C' then return r end
redis.call('HSET', KEYS[4], field, r and (r .. ',' .. ARGV[5]) or ('X' .. ARGV[5]))
return 'X'
