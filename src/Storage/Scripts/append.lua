-- Appends to several minutes at once: a group commit across minutes, each guarded on its own
-- (includes/appendGuard.lua), all in this one atomic call. A refused minute stores none of its elements, so a retry
-- never stores one twice.
-- KEYS: each minute's message list and meta hash in turn
-- ARGV per minute: the number of elements, their smallest due offset, when the minute stops taking appends (Unix ms,
-- includes/appendGuard.lua), the elements (pushed in runs below Lua's unpack limit)
-- Returns: the store epoch the elements were appended under (includes/storeEpoch.lua), then per minute two values:
-- the new length and epoch record; -1, '' when the minute is closed; -1, now when it is over by the store's clock;
-- or -2, floor when an element would sort at or before what is already printing (a duplicate activation may have
-- moved the printing cursor past the caller's view)

--- @include "includes/appendGuard"
--- @include "includes/storeEpoch"

local epoch = storeEpoch()
local replies = { epoch }
local a = 1
for k = 1, #KEYS, 2 do
  local count = tonumber(ARGV[a])
  local first, last = a + 3, a + 2 + count
  local refusal, epochs, mark = guard(KEYS[k], KEYS[k + 1], tonumber(ARGV[a + 1]), epoch, tonumber(ARGV[a + 2]))
  a = last + 1
  if refusal then
    replies[#replies + 1] = refusal[1]
    replies[#replies + 1] = refusal[2]
  else
    local length = 0
    if mark then
      length = redis.call('RPUSH', KEYS[k], marked(ARGV[first], epoch))
      first = first + 1
    end
    for i = first, last, 1000 do
      length = redis.call('RPUSH', KEYS[k], unpack(ARGV, i, math.min(i + 999, last)))
    end
    replies[#replies + 1] = length
    replies[#replies + 1] = epochs
  end
end
return replies
