-- Records a printer's progress and declares its next batch, atomically with the fence. Fails unless the caller holds
-- the current version. When the epoch record has an epoch the caller does not know starting inside what it loaded,
-- the store restarted and the list holds, at positions the view has seen, other messages than it holds (a lost append
-- whose position was handed out again): the caller must reload. Otherwise bumps the version and records progress.
-- The new batch is declared (printing cursor moved) only when no element the caller has not seen sorts before the
-- batch's end (its sequence is beyond everything loaded, so only a smaller due offset can): declaring past one would
-- let the next commit mark it printed before it is. Writers appending later messages meanwhile, the normal case under
-- load, do not hold the declaration up. The printing cursor never moves back: what a dead owner declared stays
-- "maybe printed".
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set
-- ARGV[1] version, ARGV[2] printed cursor, ARGV[3] printed count, ARGV[4] printing cursor, ARGV[5] loaded count,
-- ARGV[6] canceled count the caller knows, ARGV[7] the minute's epoch record the caller's view holds ('*': no view to
-- check), ARGV[8] the receipt of the batch this commit confirms, appended to the meta field r ('' when none; see
-- includes/receipt.lua), ARGV[9] the store epoch of the latest cancel the caller knows (meta ce, '' for none),
-- ARGV[10..] the sequences of the new batch's expired messages: recorded, when the batch is
-- declared and the message not canceled, in the canceled set as -1 - seq (done, never printed)
-- Returns: false when fenced; { 2 } when the caller must reload; else { declared 1/0, elements appended after what the
-- caller loaded, canceled sequences (only when their count or the latest's epoch is not what the caller knows, so a
-- batch costs nothing extra), the minute's epoch record, the latest cancel's epoch }

--- @include "includes/reincarnated"
--- @include "includes/epochRecord"

local m = redis.call('HMGET', KEYS[2], 'v', 'n', 'e', 'r', 'rl', 'ce')
if (m[1] or '0') ~= ARGV[1] then return false end
local kept = m[3]
m[3] = epochRecord(KEYS[1], m[3])
if reincarnated(m[3], ARGV[7], tonumber(ARGV[5])) then return { 2 } end
-- The minute is printing, so its meta hash exists from here on: the record goes there once,
-- and appends and commits no longer read it from the first element.
if not kept and m[3] ~= '' then redis.call('HSET', KEYS[2], 'e', m[3], 'le', string.match(m[3], '(%x+)$')) end
local len = redis.call('LLEN', KEYS[1])
local loaded = tonumber(ARGV[5])
local unseen = {}
if len > loaded then unseen = redis.call('LRANGE', KEYS[1], loaded, -1) end
local declared = len == loaded
if len > loaded then
  -- Unseen elements have larger sequences than anything loaded: one sorts before the batch's
  -- end only with a smaller due offset.
  local batchEnd = math.floor(tonumber(ARGV[4]) / 4294967296)
  declared = true
  for i = 1, #unseen do
    if tonumber(string.match(unseen[i], '^(%d+)')) < batchEnd then declared = false break end
  end
end
if ARGV[8] ~= '' then
  -- Kept relative to the previous receipt (meta 'rl'): a few bytes where batches follow each other.
  local o, s, late, ro, rs = string.match(ARGV[8], '^(%d+)%.(%d+)@(%d+)!?(%d*)%.?(%d*)$')
  o, s = tonumber(o), tonumber(s)
  local lo, ls = 0, 0
  if m[5] then
    local a, b = string.match(m[5], '^(%d+)%.(%d+)$')
    lo, ls = tonumber(a), tonumber(b)
  end
  local entry = (o - lo) .. '.' .. (s - ls) .. '@' .. late
  if ro ~= '' then entry = entry .. '!' .. (o - tonumber(ro)) .. '.' .. (s - tonumber(rs)) end
  redis.call('HSET', KEYS[2], 'r', m[4] and (m[4] .. ',' .. entry) or entry, 'rl', o .. '.' .. s)
end
if declared then
  local n = ARGV[4]
  if m[2] and tonumber(m[2]) > tonumber(n) then n = m[2] end
  redis.call('HSET', KEYS[2], 'v', ARGV[1] + 1, 'p', ARGV[2], 'c', ARGV[3], 'n', n)
else
  redis.call('HSET', KEYS[2], 'v', ARGV[1] + 1, 'p', ARGV[2], 'c', ARGV[3])
end
local canceled = {}
-- A size alone can hide a cancel: a lossy restart may have dropped one the caller knew and a cancel since added
-- another. Cancels record the epoch they ran under (includes/markCanceled), which a restart always changes.
if redis.call('SCARD', KEYS[3]) ~= tonumber(ARGV[6]) or (m[6] or '') ~= ARGV[9] then
  canceled = redis.call('SMEMBERS', KEYS[3])
end
if declared then
  for i = 10, #ARGV do
    if redis.call('SISMEMBER', KEYS[3], ARGV[i]) == 0 then redis.call('SADD', KEYS[3], -1 - tonumber(ARGV[i])) end
  end
end
return { declared and 1 or 0, unseen, canceled, m[3], m[6] or '' }
