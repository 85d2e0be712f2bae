-- Reserves an idempotency key. The reservation has a hash slot of its own, apart from the minute's keys: no script
-- touches both (Redis Cluster).
-- KEYS[1] the key's reservation, "fingerprint|nonce|minute", expiring after the retention
-- ARGV[1] fingerprint, ARGV[2] a fresh nonce, ARGV[3] the minute, ARGV[4] retention seconds
-- Returns: the reservation that holds: an earlier one (its nonce and minute win), or this one, now stored

local held = redis.call('GET', KEYS[1])
if held then return held end
local value = ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3]
redis.call('SET', KEYS[1], value, 'EX', ARGV[4])
return value
