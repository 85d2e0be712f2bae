-- Creates a schedule's hash unless it exists (a create retried under its idempotency key finds it).
-- KEYS[1] the schedule's hash
-- ARGV[1] fingerprint of the request, ARGV[2] created ms (also the first materialised-through), ARGV[3] cron,
-- ARGV[4] zone, ARGV[5] message, ARGV[6] misfire policy, ARGV[7] expireAfter ms ('0': none)
-- Returns: '' when created now, else the stored fingerprint, followed by '|d' when the schedule is deleted

local held = redis.call('HGET', KEYS[1], 'h')
if held then
  if redis.call('HEXISTS', KEYS[1], 'd') == 1 then return held .. '|d' end
  return held
end
redis.call('HSET', KEYS[1], 'h', ARGV[1], 'a', ARGV[2], 't', ARGV[2], 'g', '0', 'c', ARGV[3], 'z', ARGV[4],
  'm', ARGV[5], 'f', ARGV[6], 'x', ARGV[7])
return ''
