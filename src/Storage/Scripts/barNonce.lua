-- Bars a reservation's nonce from a minute: answers what the minute stored under it, or, when it stored nothing,
-- marks the nonce moved on ('>', as appendKeyed.lua does for a minute it leaves), so an append under it still on its
-- way stores nothing here any more and goes on to where its reservation points. A recovery that calls a move's
-- arrival off uses it to find an arrival whose key's reservation the store lost (the arrival's nonce is its attempt's,
-- see MessageMover), and to stop one that comes later.
-- KEYS[1] a minute's nonce hash
-- ARGV[1] the nonce, ARGV[2] retention seconds (for a hash this call makes: a minute's own expire at its close)
-- Returns: the id stored under the nonce, '>' when it is barred (now or before)

local seen = redis.call('HGET', KEYS[1], ARGV[1])
if seen then return seen end
local made = redis.call('EXISTS', KEYS[1]) == 0
redis.call('HSET', KEYS[1], ARGV[1], '>')
if made then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return '>'
