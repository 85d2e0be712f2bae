-- epochRecord(list, e): the minute's epoch record, which store epoch appended which sequences ("seq:epoch,..."). It
-- is the meta hash's e when there is one (passed as e); else the epoch marked in the list's first element
-- (offset:epoch|text, or offset+expireAfter:epoch|text) of a minute only ever appended under one epoch. Most minutes
-- are, and so a minute nobody printed or canceled in yet needs no meta hash at all (it would cost more than its one
-- message). Closing or draining deletes the list, so they write e first (keepEpochRecord.lua).
-- Returns: the record, or '' when the list has no marked first element.

local function epochRecord(list, e)
  if e then return e end
  local first = redis.call('LINDEX', list, 0)
  local marked = first and string.match(first, '^%d+%+?%d*:(%x+)|')
  if marked then return '0:' .. marked end
  return ''
end
