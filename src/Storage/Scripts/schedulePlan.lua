-- Notes the occurrences a materialisation is about to append (field 'q'), if the schedule is still as the
-- materialiser read it (compare-and-set on 't', 'q' and 'g'): a second claimant plans nothing new, and a stopped
-- schedule nothing at all.
-- KEYS[1] the schedule's hash
-- ARGV[1] materialised-through as read, ARGV[2] the plan under way as read ('' none), ARGV[3] generation as read,
-- ARGV[4] the plan: "occurrenceMs:dueMs,..."
-- Returns: 'ok', 'stopped' (paused or deleted), 'stale' (changed since read) or 'gone'

if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
local s = redis.call('HMGET', KEYS[1], 't', 'q', 'g', 'p', 'd')
if s[4] or s[5] then return 'stopped' end
if s[1] ~= ARGV[1] or (s[2] or '') ~= ARGV[2] or s[3] ~= ARGV[3] then return 'stale' end
redis.call('HSET', KEYS[1], 'q', ARGV[4])
return 'ok'
