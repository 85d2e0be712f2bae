-- Deletes a finished minute's list, keeping its summary (meta hash, canceled set, nonce hash) for the retention.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set, KEYS[4] nonce hash
-- ARGV[1] version, ARGV[2] loaded count, ARGV[3] retention seconds, ARGV[4] the caller's epoch record ('*': unchecked)
-- Returns: 'D' when drained (by us or a successor), 'F' when fenced, 'R' when the epoch record is not the caller's or
-- the list is shorter than what it loaded (reload, as for commit.lua), or the unseen tail when messages arrived that
-- the caller has not loaded

--- @include "includes/reincarnated"
--- @include "includes/epochRecord"
--- @include "includes/keepEpochRecord"

local m = redis.call('HMGET', KEYS[2], 'v', 'x', 'e')
if m[2] then return 'D' end
if (m[1] or '0') ~= ARGV[1] then return 'F' end
local e = epochRecord(KEYS[1], m[3])
if reincarnated(e, ARGV[4], tonumber(ARGV[2])) then return 'R' end
local len = redis.call('LLEN', KEYS[1])
-- Shorter than what the caller has seen: the store lost writes it loaded (with nothing appended since, the epoch
-- record cannot tell). An empty tail would send it round again for ever; it must reload, as after a commit.
if len < tonumber(ARGV[2]) then return 'R' end
if len ~= tonumber(ARGV[2]) then return redis.call('LRANGE', KEYS[1], ARGV[2], -1) end
keepEpochRecord(m[3])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'x', '1', 'l', len)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('EXPIRE', KEYS[4], ARGV[3])
return 'D'
