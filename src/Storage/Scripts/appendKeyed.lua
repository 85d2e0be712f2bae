-- Appends messages with idempotency keys, each under its reservation's nonce (reserve.lua). The minute's nonce hash
-- maps a nonce to the id stored under it, or to '>' once the nonce moved on to a later minute (then it never stores
-- here). A nonce is looked up before any refusal, so a repeat is answered whatever the minute's state; and a minute
-- it moved on from is marked before the reservation moves, so an append still on its way there cannot store it a
-- second time.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] nonce hash
-- ARGV[1] retention seconds, ARGV[2] when the minute stops taking appends (Unix ms, includes/appendGuard.lua), then
-- per element: nonce, due ms, element, '1' when it may be stored here ('0': its due time lies beyond this minute)
-- Returns: a head { 0, epochs, epoch }, or { -1, '' or now, epoch } or { -2, floor, epoch } as the guard of append.lua
-- refuses (epoch: the store epoch new sequences are appended under, includes/storeEpoch.lua); then per element the id
-- already stored under its nonce, the new sequence (a number), '>' when it must go on (closed, or beyond), or ''
-- (below the floor: try again here, later)

--- @include "includes/appendGuard"
--- @include "includes/storeEpoch"

local epoch = storeEpoch()
local results = {}
local wanted = {}
local minOffset = nil
for k = 1, (#ARGV - 2) / 4 do
  local a = 3 + (k - 1) * 4
  local seen = redis.call('HGET', KEYS[3], ARGV[a])
  if seen then
    results[k] = seen
  elseif ARGV[a + 3] == '0' then
    redis.call('HSET', KEYS[3], ARGV[a], '>')
    results[k] = '>'
  else
    results[k] = ''
    wanted[#wanted + 1] = k
    local offset = tonumber(ARGV[a + 1]) % 60000
    if minOffset == nil or offset < minOffset then minOffset = offset end
  end
end
local function refuse(reply)
  if reply[1] == -1 then
    for _, k in ipairs(wanted) do
      redis.call('HSET', KEYS[3], ARGV[3 + (k - 1) * 4], '>')
      results[k] = '>'
    end
    redis.call('EXPIRE', KEYS[3], ARGV[1])
  end
  reply[3] = epoch
  for k = 1, #results do reply[#reply + 1] = results[k] end
  return reply
end
if #wanted == 0 then return refuse({ 0, '' }) end
local refusal, epochs, mark = guard(KEYS[1], KEYS[2], minOffset, epoch, tonumber(ARGV[2]))
if refusal then return refuse(refusal) end
for _, k in ipairs(wanted) do
  local a = 3 + (k - 1) * 4
  -- The same nonce twice in one call (one key twice in a batch): the first one stores.
  local seen = redis.call('HGET', KEYS[3], ARGV[a])
  if seen then
    results[k] = seen
  else
    local element = ARGV[a + 2]
    if mark then element, mark = marked(element, epoch), false end
    local seq = redis.call('RPUSH', KEYS[1], element) - 1
    redis.call('HSET', KEYS[3], ARGV[a], ARGV[a + 1] .. '-' .. epoch .. '-' .. seq)
    results[k] = seq
  end
end
return refuse({ 0, epochs })
