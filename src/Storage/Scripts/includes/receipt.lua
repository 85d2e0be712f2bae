-- receipt(r, offset, seq): when a printed message printed, from its minute's receipts. A printed batch's receipt, one
-- per commit that confirmed one, comma-separated in the meta field r (BatchReceipt.cs), is {dOffset}.{dSeq}@{lateness}:
-- the batch's last message relative to the previous receipt's (meta rl holds the last one), and how late it printed;
-- then !{dOffset}.{dSeq} back to its last redelivered message when it had any.
-- Returns: { 'printed', printed at (ms after the minute's start), redelivered 0/1 } from the first batch that ends at
-- or after the message, or 'printed' when there is none (printed before receipts were kept).

local function atOrAfter(o, s, offset, seq)
  return o > offset or (o == offset and s >= seq)
end
local function receipt(r, offset, seq)
  if not r then return 'printed' end
  local o, s = 0, 0
  for dO, dS, late, rest in string.gmatch(r, '(%-?%d+)%.(%-?%d+)@(%d+)([^,]*)') do
    o, s = o + tonumber(dO), s + tonumber(dS)
    if atOrAfter(o, s, offset, seq) then
      local ro, rs = string.match(rest, '^!(%-?%d+)%.(%-?%d+)')
      local again = ro and atOrAfter(o - tonumber(ro), s - tonumber(rs), offset, seq)
      return { 'printed', o + tonumber(late), again and 1 or 0 }
    end
  end
  return 'printed'
end
