using EchoAtTime.Storage;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// One activation's picture of its minute: what is pending in print order, what is canceled, how
/// far printing got, and how much of the Redis list it has seen. No Orleans and no Redis in here:
/// the grain feeds it what the store returned and asks it what to print next and when to wake.
/// The list only grows at its end and its index is the sequence, so "seen" is a count
/// (<see cref="LoadedCount"/>): writers append elsewhere, and the view takes in the list's tail.
/// </summary>
internal sealed class SlotView(long slotStartMs)
{
    private readonly SortedSet<PendingMessage> _pending = [];

    // Canceled sequences known here: a commit sends the set only when its size or its last cancel's epoch differs.
    private readonly HashSet<int> _canceled = [];

    // Printed here above PrintedCursor, which may not pass them while something below is pending: only after a load
    // that skipped what a store's lost commits made look unprinted (PrintedHere).
    private readonly SortedSet<long> _printedAbove = [];

    // The minute's store epochs (meta 'e'): the text changes only when the store restarts, so most calls reuse the
    // parse.
    private EpochRanges _epochs = EpochRanges.None;

    private bool _loaded;

    public long SlotStartMs { get; } = slotStartMs;

    public long SlotEndMs => SlotStartMs + TimeSlot.LengthMs;

    /// <summary>The fence version this view holds; every commit bumps it.</summary>
    public long Version { get; private set; }

    /// <summary>Everything at or below this cursor is printed and confirmed.</summary>
    public long PrintedCursor { get; private set; } = SlotCursor.None;

    /// <summary>Nothing new may sort at or below this cursor: it is printing, or printed.</summary>
    public long FloorCursor { get; private set; } = SlotCursor.None;

    public int PrintedCount { get; private set; }

    /// <summary>How many list elements, from the start, this view has seen.</summary>
    public int LoadedCount { get; private set; }

    public int PendingCount => _pending.Count;

    public int CanceledCount => _canceled.Count;

    /// <summary>
    /// The store epoch of the latest cancel this view took in (<see cref="SlotSnapshot.CanceledUnder"/>): with
    /// <see cref="CanceledCount"/>, what a commit compares before it hands the canceled set over.
    /// </summary>
    public string CanceledUnder { get; set; } = "";

    /// <summary>The earliest due time (ms) among pending messages, if any.</summary>
    public long? NextDueMs => _pending.Count > 0 ? SlotStartMs + _pending.Min!.OffsetMs : null;

    /// <summary>When this view next needs the grain: its next due message, else the minute's end (to drain).</summary>
    public long NextWakeMs => NextDueMs ?? SlotEndMs;

    /// <summary>
    /// The earliest time a new message may be due: not before now, not at or before what is printing.
    /// </summary>
    public long FloorMs(long nowMs) => Math.Max(nowMs, SlotStartMs + SlotCursor.OffsetOf(FloorCursor));

    public bool HasDue(long nowMs) => NextDueMs <= nowMs;

    /// <summary>The minute's epoch record as this view knows it ("" before any): commit and drain check it.</summary>
    public string EpochsText => _epochs.Text;

    /// <summary>
    /// Starts over from the store's snapshot: printed ones are counted, canceled ones skipped, and a
    /// batch declared but never confirmed (a printer cut off) pending again, flagged. So is what
    /// <paramref name="lostCommits"/> covers: it may have printed under commits the store lost. What this view (or,
    /// on its first load, <paramref name="carried"/>: an earlier activation on this silo) knew printed is skipped,
    /// though the store lost the commits that recorded it: this silo's console printed it, or the store had confirmed
    /// it. <paramref name="epochs"/> is the snapshot's record (<see cref="SetEpochs"/>). Returns how many are flagged,
    /// and how many of them only for lost commits.
    /// </summary>
    public (int Flagged, int LostCommits) Load(long version, long printedCursor, long printingCursor, IReadOnlyList<SlotEntry> elements, IEnumerable<int> canceled, LostCommitWindow lostCommits = default, PrintedHere? carried = null, string? epochs = null)
    {
        var before = _loaded ? PrintedHere() : carried;
        _loaded = true;
        SetEpochs(epochs);
        Version = version;
        PrintedCursor = printedCursor;
        FloorCursor = Math.Max(printedCursor, printingCursor);
        PrintedCount = 0;
        _pending.Clear();
        _printedAbove.Clear();
        _canceled.Clear();
        _canceled.UnionWith(canceled);
        var redelivered = 0;
        var lost = 0;
        for (var seq = 0; seq < elements.Count; seq++)
        {
            if (IsCanceledOrExpired(seq))
            {
                // Never printed and never counted as printed: the store's close counts canceled ones on its own.
                continue;
            }

            var (offset, message, expireAfter) = elements[seq];
            var cursor = SlotCursor.Of(offset, seq);
            if (cursor <= printedCursor)
            {
                PrintedCount++;
                continue;
            }

            var epoch = _epochs.EpochOf(seq);
            if (before?.Holds(seq, cursor, epoch) == true)
            {
                PrintedCount++;
                _printedAbove.Add(cursor);
                FloorCursor = Math.Max(FloorCursor, cursor);
                continue;
            }

            var declared = cursor <= printingCursor;
            var inDoubt = declared || lostCommits.Covers(epoch, SlotStartMs + offset);
            redelivered += inDoubt ? 1 : 0;
            lost += inDoubt && !declared ? 1 : 0;
            _pending.Add(new PendingMessage(offset, seq, message, inDoubt, expireAfter));
        }

        LoadedCount = elements.Count;
        PassPrintedAbove();
        return (redelivered, lost);
    }

    /// <summary>What this view knows printed, for a later load (null before its first).</summary>
    public PrintedHere? PrintedHere() => _loaded
        ? new PrintedHere(PrintedCursor, new SortedSet<long>(_printedAbove), LoadedCount, _epochs, new HashSet<int>(_canceled))
        : null;

    /// <summary>Takes the minute's epoch record (<c>"seq:epoch,seq:epoch…"</c>) as the store returned it.</summary>
    public void SetEpochs(string? epochs)
    {
        if (!string.IsNullOrEmpty(epochs) && epochs != _epochs.Text)
        {
            _epochs = EpochRanges.Parse(epochs);
        }
    }

    /// <summary>
    /// The store epoch sequence <paramref name="seq"/> was appended under; null before epochs existed.
    /// </summary>
    public string? EpochOf(int seq) => _epochs.EpochOf(seq);

    /// <summary>
    /// Takes in list elements from <see cref="LoadedCount"/> on (appended by writers) and drops
    /// messages canceled elsewhere. Returns the sequences that were new to this view.
    /// </summary>
    public List<int> MergeUnseen(IReadOnlyList<SlotEntry> tail, IReadOnlyCollection<int> canceled)
    {
        if (canceled.Count > 0)
        {
            var gone = canceled.Where(_canceled.Add).ToHashSet();
            if (gone.Count > 0 && _pending.Count > 0)
            {
                _pending.RemoveWhere(m => gone.Contains(m.Seq) || gone.Contains(ExpiredMember(m.Seq)));
            }
        }

        var added = new List<int>();
        foreach (var (offset, message, expireAfter) in tail)
        {
            var seq = LoadedCount++;
            if (IsCanceledOrExpired(seq))
            {
                continue;
            }

            _pending.Add(new PendingMessage(offset, seq, message, Redelivered: false, expireAfter));
            added.Add(seq);
        }

        return added;
    }

    /// <summary>
    /// Redis refused an append at this floor: another activation printed further than this view knew.
    /// </summary>
    public void RaiseFloor(int floorOffsetMs) => FloorCursor = Math.Max(FloorCursor, SlotCursor.Of(floorOffsetMs, int.MaxValue));

    public bool IsPending(PendingMessage message) => _pending.Contains(message);

    /// <summary>
    /// The expired ones of <paramref name="candidates"/> that are still pending (not canceled
    /// meanwhile) leave the pending set; the store recorded them with the commit that declared their
    /// batch, in the canceled set as <see cref="ExpiredMember"/>. Returns them.
    /// </summary>
    public List<PendingMessage> Expired(IReadOnlyList<PendingMessage> candidates)
    {
        var gone = candidates.Where(_pending.Remove).ToList();
        foreach (var m in gone)
        {
            _canceled.Add(ExpiredMember(m.Seq));
        }

        return gone;
    }

    /// <summary>
    /// How the canceled set holds an expired sequence: negated, less one (an intset still, and counted by the close).
    /// </summary>
    public static int ExpiredMember(int seq) => -1 - seq;

    private bool IsCanceledOrExpired(int seq) => _canceled.Contains(seq) || _canceled.Contains(ExpiredMember(seq));

    /// <summary>
    /// Fills <paramref name="batch"/> with up to <paramref name="max"/> messages due at <paramref name="nowMs"/>, in
    /// print order.
    /// </summary>
    public void NextBatch(long nowMs, int max, List<PendingMessage> batch)
    {
        batch.Clear();
        foreach (var message in _pending)
        {
            if (SlotStartMs + message.OffsetMs > nowMs || batch.Count == max)
            {
                break;
            }

            batch.Add(message);
        }
    }

    /// <summary>A commit went through: the fence moved on, and the declared cursor (if any) is now the floor.</summary>
    public void Committed(long? declaredCursor)
    {
        Version++;
        if (declaredCursor is { } cursor)
        {
            FloorCursor = Math.Max(FloorCursor, cursor);
        }
    }

    /// <summary>
    /// The batch reached the console: it leaves the pending set and is printed up to <paramref name="cursor"/>.
    /// </summary>
    public void Printed(IReadOnlyList<PendingMessage> batch, long cursor)
    {
        foreach (var m in batch)
        {
            _pending.Remove(m);
        }

        PrintedCursor = cursor;
        PrintedCount += batch.Count;
        PassPrintedAbove();
    }

    // The printed cursor moves over what was printed here above it, up to the first message still pending.
    private void PassPrintedAbove()
    {
        while (_printedAbove.Count > 0 && (_pending.Count == 0 || _printedAbove.Min < _pending.Min!.Cursor))
        {
            PrintedCursor = Math.Max(PrintedCursor, _printedAbove.Min);
            _printedAbove.Remove(_printedAbove.Min);
        }
    }
}
