-- What became of one message, by its id.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] sequence, ARGV[2] due offset, ARGV[3] cursor, ARGV[4] epoch
-- Returns: 'unknown', 'scheduled', 'canceled', 'expired', { 'moved', record }, or 'printed' (at or below the printed
-- cursor) with its receipt when there is one: { 'printed', printed at (ms after the minute's start), redelivered 0/1 }

--- @include "includes/receipt"

local function printed(m) return receipt(m[6], tonumber(ARGV[2]), tonumber(ARGV[1])) end

--- @include "includes/messageLookup"

if m[2] and tonumber(ARGV[3]) <= tonumber(m[2]) then return printed(m) end
return 'scheduled'
