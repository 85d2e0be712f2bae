-- moveRecord(nonces, seq): what tells a moved message from a canceled one, for the lookup, the listing and the summary
-- alike. A reschedule's move record sits in the nonce hash of the minute the message leaves, under mv:{seq}:
-- P{new due ms}/{nonce}|{element} while the message is on its way (it carries the element, so the move can be finished
-- from the record alone, also once the minute's list is gone; and the nonce of the attempt that took it, whose key the
-- arrival is stored under), D{new due ms}|{new id} once it arrived (the due time as
-- asked: one already past arrives as now), X{nonce},{nonce}... for attempts that were called off before they took
-- the message, or C{new due ms}|{new id} for an arrival to call off: the leave was lost and the message stays
-- (moveDone.lua). The message itself joins the canceled set when it leaves: the printer skips it and close counts it
-- done, exactly as for a cancel, so it can print there only if it never left.
-- Returns: the move record of a sequence in the canceled set ('P...' or 'D...'), or false when it has none (canceled,
-- only attempts called off, 'X...', or an arrival called off, 'C...').

local function moveRecord(nonces, seq)
  local r = redis.call('HGET', nonces, 'mv:' .. seq)
  if r and (string.sub(r, 1, 1) == 'P' or string.sub(r, 1, 1) == 'D') then return r end
  return false
end
