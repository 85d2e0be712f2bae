-- Moves an idempotency key's reservation on to a later minute (keeping its expiry), only from that minute and only
-- for that nonce.
-- KEYS[1] a reservation (reserve.lua)
-- ARGV[1] nonce, ARGV[2] the minute it moves from, ARGV[3] the minute it moves to
-- Returns: the reservation as it then is ('' when it expired meanwhile)

local held = redis.call('GET', KEYS[1])
if not held then return '' end
local tail = '|' .. ARGV[1] .. '|' .. ARGV[2]
if string.sub(held, #held - #tail + 1) ~= tail then return held end
local value = string.sub(held, 1, #held - #ARGV[2]) .. ARGV[3]
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[1], value, 'PX', ttl) else redis.call('SET', KEYS[1], value) end
return value
