-- Takes a message out of its minute for a reschedule unless it is printed or in the batch being printed (as
-- cancel.lua, atomic with the printer's fence): it joins the canceled set, and its move record
-- (includes/moveRecord.lua) carries it on.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] sequence, ARGV[2] due offset, ARGV[3] cursor, ARGV[4] epoch, ARGV[5] new due ms, ARGV[6] the attempt's nonce,
-- ARGV[7] due ms (a message that may have printed under a lost commit is 'printed' too: includes/mayHavePrinted)
-- Returns: 'unknown', 'printed', 'canceled', 'expired', 'aborted' (this attempt was called off by moveAbort.lua), or
-- { 'moved', record }: the record it wrote now, or the one an earlier attempt left

local function printed(m) return 'printed' end

--- @include "includes/messageLookup"
--- @include "includes/mayHavePrinted"
--- @include "includes/markCanceled"

if m[3] and tonumber(ARGV[3]) <= tonumber(m[3]) then return 'printed' end
if mayHavePrinted(ARGV[4], tonumber(ARGV[7])) then return 'printed' end
local field = 'mv:' .. ARGV[1]
local mark = redis.call('HGET', KEYS[4], field)
if mark and string.find(',' .. string.sub(mark, 2) .. ',', ',' .. ARGV[6] .. ',', 1, true) then return 'aborted' end
markCanceled(KEYS[3], KEYS[2], ARGV[1])
local record = 'P' .. ARGV[5] .. '/' .. ARGV[6] .. '|' .. e
redis.call('HSET', KEYS[4], field, record)
return { 'moved', record }
