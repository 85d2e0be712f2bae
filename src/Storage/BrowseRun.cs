namespace EchoAtTime.Storage;

/// <summary>
/// One listing call as it goes (<see cref="SlotStore.BrowseAsync"/>): what it found, how much of its element budget
/// is left, and its position — the last message it went past in (due, acceptance) order, wanted or not, which is
/// where the next call goes on when this one stops.
/// </summary>
internal sealed class BrowseRun(BrowseQuery query, long budget)
{
    private readonly List<BrowsedMessage> _found = [];

    public BrowseQuery Query { get; } = query;

    public BrowseCursor? Position { get; private set; }

    public long Read { get; set; }

    public int Minutes { get; set; }

    public long Left => budget - Read;

    public int Needed => Query.Limit - _found.Count;

    public bool Full => _found.Count >= Query.Limit;

    /// <summary>
    /// Goes past <paramref name="message"/>, keeping it if the query wants it; true once the page is full.
    /// </summary>
    public bool Offer(BrowsedMessage message)
    {
        Position = new BrowseCursor(message.Id.DueMs, message.Id.Seq);
        if (Query.Status is null || message.Record.Status == Query.Status)
        {
            _found.Add(message);
        }

        return Full;
    }

    /// <summary>Nothing more of the minute is wanted: the position goes to its end.</summary>
    public void Finished(long slot) => Position = new BrowseCursor(TimeSlot.EndMs(slot) - 1, int.MaxValue);

    /// <summary>
    /// Where to go on when a call stops before it went past anything: where it started (the query's cursor, or just
    /// before the range's start in <paramref name="slot"/>).
    /// </summary>
    public BrowseCursor Before(long slot) =>
        Query.After ?? new BrowseCursor(Math.Max(0, Math.Max(Query.FromMs, TimeSlot.StartMs(slot)) - 1), int.MaxValue);

    /// <summary>
    /// The print-order cursor within <paramref name="slot"/> after which the listing goes on (-1: its start).
    /// </summary>
    public long LowestAfter(long slot)
    {
        var start = TimeSlot.StartMs(slot);
        var low = SlotCursor.None;
        if ((Position ?? Query.After) is { } after && after.DueMs >= start)
        {
            low = SlotCursor.Of((int)(after.DueMs - start), after.Seq);
        }

        return Query.FromMs > start ? Math.Max(low, SlotCursor.Of((int)(Query.FromMs - start), 0) - 1) : low;
    }

    /// <summary>The last print-order cursor of <paramref name="slot"/> in the range (null: the minute's end).</summary>
    public long? Highest(long slot)
    {
        var start = TimeSlot.StartMs(slot);
        return Query.ToMs < TimeSlot.EndMs(slot) - 1 ? SlotCursor.Of((int)(Query.ToMs - start), -1) : null;
    }

    public BrowsePage Page(BrowseCursor? next) => new(_found, next, Minutes, Read);
}
