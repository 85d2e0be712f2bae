-- mayHavePrinted(appendedUnder, dueMs): whether a message the store shows unprinted may have printed under a commit
-- the store lost (LostCommitWindow's rule, here atomic with a cancel or a move): it was appended under an earlier
-- epoch than the server's, and was due before this server took over, by the store's clock (a printer prints a
-- message only once it is due by a clock never ahead of the store's); after a failover (start unknown), due by now.
-- Such a message prints again, flagged, if its commit was lost: a cancel or a move of it must not answer that it
-- will never print.
-- Returns: true when it may have printed.

--- @include "includes/storeEpoch"
--- @include "includes/serverStart"
--- @include "includes/storeNow"

local function mayHavePrinted(appendedUnder, dueMs)
  local server = storeInfo()
  if appendedUnder == storeEpoch(server) then return false end
  return dueMs <= storeNowMs() - math.max(0, restartedAgo(server))
end
