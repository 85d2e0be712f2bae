-- Resumes a paused schedule from now: occurrences during the pause are not caught up (a pause is deliberate). The
-- generation 'g' moves on, so the occurrences' idempotency keys are new: one canceled by the pause is not "repeated".
-- KEYS[1] the schedule's hash
-- ARGV[1] now ms
-- Returns: 'ok' (resumed, or was not paused), 'deleted' or 'gone'

if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if redis.call('HEXISTS', KEYS[1], 'd') == 1 then return 'deleted' end
if redis.call('HEXISTS', KEYS[1], 'p') == 0 then return 'ok' end
redis.call('HDEL', KEYS[1], 'p', 'q')
redis.call('HSET', KEYS[1], 't', ARGV[1], 'o', '')
redis.call('HINCRBY', KEYS[1], 'g', 1)
return 'ok'
