-- Cancels a message unless it is printed or in the batch being printed (at or below the printing cursor), or may have
-- printed under a commit the store lost (includes/mayHavePrinted: it then prints again, flagged).
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] sequence, ARGV[2] due offset, ARGV[3] cursor, ARGV[4] epoch, ARGV[5] due ms
-- Returns: 'unknown', 'printed', 'canceled' (before), 'expired', { 'moved', record } or 'now'

local function printed(m) return 'printed' end

--- @include "includes/messageLookup"
--- @include "includes/mayHavePrinted"
--- @include "includes/markCanceled"

if m[3] and tonumber(ARGV[3]) <= tonumber(m[3]) then return 'printed' end
if mayHavePrinted(ARGV[4], tonumber(ARGV[5])) then return 'printed' end
markCanceled(KEYS[3], KEYS[2], ARGV[1])
return 'now'
