-- The common start of status, cancel and moveOut: finds the message an id names. Not a function but code that goes on
-- into the including script, which defines printed(m) before it: the answer for a printed message of a finished
-- minute. An id whose epoch is not the one its sequence was appended under names a message the store lost (its
-- position was handed out again) and is unknown. A finished minute answers from its length and canceled set; an open
-- minute's element must have the id's due offset. A moved message (canceled, with a move record) answers
-- { 'moved', record }; a canceled one 'canceled'; an expired one (its sequence negated, less one, in the canceled set)
-- 'expired'.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] sequence, ARGV[2] due offset, ARGV[3] cursor, ARGV[4] epoch
-- Returns: early 'unknown', { 'moved', record }, 'canceled', 'expired' or printed(m); else it leaves
-- m = {x, p, n, l, e, r}, seq, and an open minute's element e to the rest of the script.

--- @include "includes/epochRecord"
--- @include "includes/moveRecord"

local m = redis.call('HMGET', KEYS[2], 'x', 'p', 'n', 'l', 'e', 'r')
local seq = tonumber(ARGV[1])
local epoch = ''
for from, e in string.gmatch(epochRecord(KEYS[1], m[5]), '(%d+):(%x+)') do
  if tonumber(from) > seq then break end
  epoch = e
end
if epoch ~= ARGV[4] then return 'unknown' end
local canceled = redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1
local expired = redis.call('SISMEMBER', KEYS[3], -1 - seq) == 1
local moved = canceled and moveRecord(KEYS[4], ARGV[1])
if m[1] then
  if seq >= tonumber(m[4] or '0') then return 'unknown' end
  if moved then return { 'moved', moved } end
  if canceled then return 'canceled' end
  if expired then return 'expired' end
  return printed(m)
end
local e = redis.call('LINDEX', KEYS[1], ARGV[1])
-- The element's offset ends at '|', or at ':' before the epoch a minute's first element carries.
local after = e and string.sub(e, #ARGV[2] + 1, #ARGV[2] + 1)
if not e or string.sub(e, 1, #ARGV[2]) ~= ARGV[2] or (after ~= '|' and after ~= ':' and after ~= '+') then
  return 'unknown'
end
if moved then return { 'moved', moved } end
if canceled then return 'canceled' end
if expired then return 'expired' end
