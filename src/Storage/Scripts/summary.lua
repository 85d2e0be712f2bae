-- The counts of one minute for the messages page (SlotStore.SummaryAsync). Reads the canceled set whole: it holds
-- only the minute's cancellations, expiries and moves.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV: none
-- Returns: { messages, printed, canceled, expired, moved, receipts }: the length (a finished minute's from its
-- summary), the printed count, the canceled set split by what each member is (an expired one is -1 - seq, a moved
-- one has a move record), and the receipts field

--- @include "includes/moveRecord"

local m = redis.call('HMGET', KEYS[2], 'c', 'x', 'l', 'r')
local length = m[2] and tonumber(m[3] or '0') or redis.call('LLEN', KEYS[1])
local canceled, expired, moved = 0, 0, 0
for _, s in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if tonumber(s) < 0 then
    expired = expired + 1
  elseif moveRecord(KEYS[4], s) then
    moved = moved + 1
  else
    canceled = canceled + 1
  end
end
return { length, tonumber(m[1] or '0'), canceled, expired, moved, m[4] or '' }
