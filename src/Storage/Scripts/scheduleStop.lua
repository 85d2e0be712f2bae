-- Pauses or deletes a schedule: sets 'p' or 'd' (a deleted one expires after the retention) and returns what the
-- caller must cancel: the outstanding occurrences and the plan of a materialisation under way. Materialisers that
-- meet the flag stop (schedulePlan, scheduleCommit).
-- KEYS[1] the schedule's hash
-- ARGV[1] 'p' (pause) or 'd' (delete), ARGV[2] retention seconds
-- Returns: nil when there is no such schedule (or a pause of a deleted one), else
-- { flag before ('', 'p' or 'd'), outstanding "dueMs|id,...", plan "occurrenceMs:dueMs,...", generation }

if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local s = redis.call('HMGET', KEYS[1], 'p', 'd', 'o', 'q', 'g')
local before = (s[2] and 'd') or (s[1] and 'p') or ''
if ARGV[1] == 'p' and before == 'd' then return nil end
redis.call('HSET', KEYS[1], ARGV[1], '1')
if ARGV[1] == 'd' then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
return { before, s[3] or '', s[4] or '', s[5] or '0' }
