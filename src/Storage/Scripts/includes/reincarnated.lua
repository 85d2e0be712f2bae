-- reincarnated(e, v, loaded), the common start of commit and drain: whether the store lost elements the caller has
-- seen and handed their positions out again. So it is when the minute's epoch record e is not the caller's record v
-- ('*': unchecked) extended only by epochs that start at or beyond the caller's loaded count: an epoch that starts
-- inside what the caller has seen means the store lost elements there.
-- Returns: true when the caller must reload, else false.

local function reincarnated(e, v, loaded)
  if v == '*' or e == v then return false end
  if string.sub(e, 1, #v) ~= v then return true end
  local rest = string.sub(e, #v + 1)
  if #v > 0 then
    if string.sub(rest, 1, 1) ~= ',' then return true end
    rest = string.sub(rest, 2)
  end
  local from = tonumber(string.match(rest, '^(%d+):'))
  return from == nil or from < loaded
end
