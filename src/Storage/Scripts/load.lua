-- Loads a minute for its printer: the meta fields and the list's first page in one consistent picture. The rest of
-- the list is read in pages: it only grows at its end, so later pages match this snapshot. With it, what the printer
-- needs to tell which messages may have printed under commits the store lost (SlotSnapshot, LostCommitWindow): the
-- server's epoch, and how long ago at least it took over its data from its own disk. That is known only for a server
-- that restarted in place, never a replica promoted since it started (INFO replication's second_repl_offset is -1;
-- Garnet without replication says N/A): its previous incarnation stopped writing before it started, so nothing due
-- after that start can have printed under an earlier epoch. uptime_in_seconds counts whole seconds, so the start
-- lies before the second after now's second less the uptime.
-- KEYS[1] message list, KEYS[2] meta hash, KEYS[3] canceled set
-- ARGV[1] page size
-- Returns: { {v, p, n, x, e, ce}, length, first page, canceled sequences, { store epoch, ms since the server started in
-- place at least, or -1 when it may have taken over from another server } }

--- @include "includes/epochRecord"
--- @include "includes/storeEpoch"
--- @include "includes/serverStart"

local server = redis.call('INFO', 'server')

local m = redis.call('HMGET', KEYS[2], 'v', 'p', 'n', 'x', 'e', 'ce')
if not m[5] then m[5] = epochRecord(KEYS[1], false) end
return { m, redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1),
  redis.call('SMEMBERS', KEYS[3]), { storeEpoch(server), restartedAgo(server) } }
