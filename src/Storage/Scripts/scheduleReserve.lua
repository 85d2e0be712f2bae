-- Reserves a schedule create request's idempotency key (a hash slot of its own; no script touches it with the
-- schedule's hash).
-- KEYS[1] the key's reservation, "fingerprint|id", expiring after the retention
-- ARGV[1] "fingerprint|id" of this request, ARGV[2] retention seconds
-- Returns: the reservation that holds: an earlier one, or this one, now stored

local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]
