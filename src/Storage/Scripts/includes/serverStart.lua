-- restartedAgo(server): how long ago at least the server running the script took over its data from its own disk,
-- in ms; -1 when it may have taken over from another server (a replica promoted since it started: its start says
-- nothing of when the old master stopped writing). Known only for a server that restarted in place (INFO
-- replication's second_repl_offset is -1; Garnet without replication says N/A). uptime_in_seconds counts whole
-- seconds, so the start lies before the second after now's second less the uptime.
-- server: INFO server's text.
-- Returns: milliseconds, or -1.

local function restartedAgo(server)
  local replication = redis.call('INFO', 'replication')
  local taken = string.match(replication, 'second_repl_offset:([^\r\n]*)')
  if not string.find(replication, 'role:master', 1, true) or (taken ~= '-1' and taken ~= 'N/A') then return -1 end
  local uptime = tonumber(string.match(server, 'uptime_in_seconds:(%d+)'))
  if not uptime then return -1 end
  return (uptime - 1) * 1000 + math.floor(tonumber(redis.call('TIME')[2]) / 1000)
end
