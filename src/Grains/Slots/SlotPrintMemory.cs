namespace EchoAtTime.Grains.Slots;

/// <summary>
/// What this silo printed of its recent minutes, kept past the activations that printed them. A store that loses
/// writes (a restart within <c>appendfsync everysec</c>, a replica failover) or never got a batch's confirmation (the
/// store died between the console and the commit) makes printed messages look unprinted; a new activation of the
/// minute here takes over what the last one knew (<see cref="SlotView.Load"/>), so this silo's console does not print
/// them again. A silo that crashed starts empty, and a minute that moved to another silo prints them again, flagged.
/// </summary>
public sealed class SlotPrintMemory
{
    // A record costs a cursor and the minute's canceled set; a silo prints a minute or so at a time.
    private const int MinutesKept = 64;

    private readonly SortedDictionary<long, PrintedHere> _minutes = [];
    private readonly Lock _lock = new();

    /// <summary>An activation of <paramref name="slot"/> ends here: what it knew printed stays.</summary>
    internal void Keep(long slot, PrintedHere printed)
    {
        lock (_lock)
        {
            _minutes[slot] = printed;
            while (_minutes.Count > MinutesKept)
            {
                _minutes.Remove(_minutes.Keys.First());
            }
        }
    }

    /// <summary>What an earlier activation here knew printed of <paramref name="slot"/>, if one was kept.</summary>
    internal PrintedHere? Recall(long slot)
    {
        lock (_lock)
        {
            return _minutes.GetValueOrDefault(slot);
        }
    }
}
