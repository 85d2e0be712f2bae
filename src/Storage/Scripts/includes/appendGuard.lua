-- The common start of append and appendKeyed. guard(list, meta, minOffset, epoch, openUntil) (minOffset: the smallest
-- due offset of what is appended; epoch: the appender's store epoch; openUntil: Unix ms after which the minute takes
-- nothing more, by this server's clock) refuses the append or records its epoch. A minute over by the store's clock
-- is refused as closed whether anyone closed it or not: the order check of a later minute closes only the one before
-- it and finds older ones in the pending index, so a writer with a slow clock or a stall between reading its clock and
-- appending must not reach an older minute that nobody indexed or closed. An empty
-- minute's first epoch is kept in its first element (marked(element, epoch)) instead of in a meta hash, which a minute
-- of one message would pay more for than for its message. The minute's second append, or a later epoch, writes the
-- whole record to the meta hash (e, and le = the last epoch).
-- Returns: guard: a refusal, { -1, '' } when the minute is closed, { -1, now } when it is over by this server's clock
-- (now: its Unix ms, where a message due in the past belongs), or { -2, floor } when an element would sort at or
-- before the printing cursor; or nil, the minute's epoch record after the append, and whether the first element
-- pushed must carry the epoch. marked: the element with the epoch before its bar.

--- @include "includes/epochRecord"

local function guard(list, meta, minOffset, epoch, openUntil)
  local m = redis.call('HMGET', meta, 'x', 'n', 'le', 'e')
  if m[1] then return { -1, '' } end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if now >= openUntil then return { -1, now } end
  if m[2] then
    local floor = math.floor(tonumber(m[2]) / 4294967296)
    if minOffset < floor then return { -2, floor } end
  end
  local epochs, last = m[4], m[3]
  if not epochs then
    epochs = epochRecord(list, false)
    last = string.match(epochs, '(%x+)$')
    if last == epoch then
      -- A second append: the minute is not one message alone, and the record goes to the
      -- meta hash, so later appends need not read it from the first element.
      redis.call('HSET', meta, 'le', epoch, 'e', epochs)
      return nil, epochs, false
    end
  end
  if last == epoch then return nil, epochs, false end
  local length = redis.call('LLEN', list)
  if length == 0 and not m[4] then return nil, '0:' .. epoch, true end
  if epochs ~= '' then epochs = epochs .. ',' end
  epochs = epochs .. length .. ':' .. epoch
  redis.call('HSET', meta, 'le', epoch, 'e', epochs)
  return nil, epochs, false
end
local function marked(element, epoch)
  local bar = string.find(element, '|', 1, true)
  return string.sub(element, 1, bar - 1) .. ':' .. epoch .. string.sub(element, bar)
end
