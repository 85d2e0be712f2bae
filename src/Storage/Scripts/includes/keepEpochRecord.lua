-- keepEpochRecord(e), for the scripts that delete a minute's list (close, drain): writes the record the list's first
-- element holds into the meta hash, unless it has one (e), so status and cancel still tell the minute's ids from ids
-- of messages the store lost.
-- KEYS[1] message list, KEYS[2] meta hash (the including script's).
-- Returns: nothing.

--- @include "includes/epochRecord"

local function keepEpochRecord(e)
  if e then return end
  local record = epochRecord(KEYS[1], false)
  if record ~= '' then redis.call('HSET', KEYS[2], 'e', record) end
end
