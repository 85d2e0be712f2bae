-- markCanceled(canceled, meta, seq): takes a sequence out of its minute for a client (a cancel, a move's leave) and
-- records in the meta field ce the store epoch it did so under. A printer's commit hands it the canceled set only
-- when the set's size or ce differs from what it knows: a lossy restart can drop a cancel the printer knew and a
-- cancel after it add another, leaving the size as it was, but never the epoch.
-- Returns: nothing.

--- @include "includes/storeEpoch"

local function markCanceled(canceled, meta, seq)
  redis.call('SADD', canceled, seq)
  redis.call('HSET', meta, 'ce', storeEpoch())
end
