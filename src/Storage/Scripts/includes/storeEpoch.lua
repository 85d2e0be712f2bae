-- storeEpoch(): the incarnation of the server running the script, 8 hex digits of its run_id, which changes whenever
-- the server restarts or a replica takes over: the only moments a store can lose acknowledged writes. Read here, in
-- the script that writes under it, and not by the caller beforehand: a caller's copy can be from before a restart
-- (read, then the server restarted before the script ran), and an append under it would hand a lost message's id out
-- again.
-- server: INFO server's text when the caller has read it already (load reads it for the uptime too), else nil: then
-- storeInfo() reads it, once per script run.
-- Returns: the epoch (8 lowercase hex digits); raises an error when INFO has no run_id.

local serverInfo
local function storeInfo()
  serverInfo = serverInfo or redis.call('INFO', 'server')
  return serverInfo
end

local function storeEpoch(server)
  local id = string.match(server or storeInfo(), 'run_id:(%x+)')
  if not id or #id < 8 then
    error('The store has no run_id in INFO server: ids could repeat after a lost write.')
  end
  return string.lower(string.sub(id, 1, 8))
end
