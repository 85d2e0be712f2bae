-- Records where a moved message arrived, once, over its pending move record (a hash that expired with its minute
-- stays gone). When the record is gone from a minute still open — the store lost the leave (it restarted between
-- moveOut.lua and the arrival) — the message is taken again here as moveOut.lua takes it, unless it printed meanwhile
-- or may have (includes/mayHavePrinted): then the caller must call the arrival off.
-- A leave lost under an attempt a recovery has called off since (its nonce in the X mark, moveAbort.lua) is not made
-- again: the recovery decided the message stays, and called the arrival off. When the caller must call the arrival
-- off, the minute keeps that as C{new due ms}|{new id} (over any X mark: the message may have printed, so no attempt
-- takes it any more), so that a recovery calls it off should the caller die first (moveAbort.lua).
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] sequence, ARGV[2] due offset, ARGV[3] cursor, ARGV[4] epoch, ARGV[5] due ms,
-- ARGV[6] 'D{new due ms}|{new id}', ARGV[7] the attempt's nonce
-- Returns: the record as it was; 'retaken' when the leave was lost and is made again now; 'printed' when the leave
-- was lost and the message printed (or may have); 'aborted' when the leave was lost and the attempt called off;
-- 'unknown', 'canceled' or 'expired' when there is nothing to take

local field = 'mv:' .. ARGV[1]
local r = redis.call('HGET', KEYS[4], field)
if r and string.sub(r, 1, 1) == 'P' then redis.call('HSET', KEYS[4], field, ARGV[6]) end
if r and string.sub(r, 1, 1) == 'C' then return 'printed' end
if r and string.sub(r, 1, 1) ~= 'X' then return r end
if r and string.find(',' .. string.sub(r, 2) .. ',', ',' .. ARGV[7] .. ',', 1, true) then return 'aborted' end

local function printed(m)
  redis.call('HSET', KEYS[4], field, 'C' .. string.sub(ARGV[6], 2))
  return 'printed'
end

--- @include "includes/messageLookup"
--- @include "includes/mayHavePrinted"
--- @include "includes/markCanceled"

if (m[3] and tonumber(ARGV[3]) <= tonumber(m[3])) or mayHavePrinted(ARGV[4], tonumber(ARGV[5])) then return printed(m) end
markCanceled(KEYS[3], KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], field, ARGV[6])
return 'retaken'
