-- storeNowMs(): the store's clock, epoch milliseconds: the one clock "never early" is judged by.
-- Returns: milliseconds since 1970.

local function storeNowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
