-- Records a materialisation whose occurrences are appended: 't' moves to its last occurrence, their ids join the
-- outstanding list 'o' ("dueMs|id,..."; entries due before ARGV[3] leave it, the newest of those stays as 'ls'), and
-- the plan 'q' is cleared, if 'q' is still this plan and 't' still what the materialiser read (so a slow one never
-- moves 't' back).
-- KEYS[1] the schedule's hash
-- ARGV[1] the plan as noted, ARGV[2] materialised-through as read, ARGV[3] the new materialised-through,
-- ARGV[4] keep entries due from this ms, ARGV[5..] the appended occurrences, "dueMs|id"
-- Returns: 'ok', 'stopped' (paused or deleted since: the caller cancels what it appended), 'stale' or 'gone'

if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
local s = redis.call('HMGET', KEYS[1], 'q', 'o', 'ls', 'p', 'd', 't')
if s[4] or s[5] then return 'stopped' end
if (s[1] or '') ~= ARGV[1] or s[6] ~= ARGV[2] then return 'stale' end
local keepFrom = tonumber(ARGV[4])
local kept = {}
local last = s[3]
local function keep(entry)
  local bar = string.find(entry, '|', 1, true)
  if bar and tonumber(string.sub(entry, 1, bar - 1)) >= keepFrom then
    kept[#kept + 1] = entry
  else
    last = entry
  end
end
for entry in string.gmatch(s[2] or '', '[^,]+') do keep(entry) end
for i = 5, #ARGV do keep(ARGV[i]) end
redis.call('HSET', KEYS[1], 't', ARGV[3], 'o', table.concat(kept, ','))
if last then redis.call('HSET', KEYS[1], 'ls', last) end
redis.call('HDEL', KEYS[1], 'q')
return 'ok'
