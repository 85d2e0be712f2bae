using EchoAtTime.Storage;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// What a view knew to be printed of its minute when it last held it: everything through <c>cursor</c> that was
/// neither canceled nor expired, and the cursors in <c>above</c>, each an element it had loaded, under
/// the store epoch its sequence had then. Facts about this silo's console (or confirmed by the store), so a view
/// loaded later, from a store that lost the commits recording them, skips them instead of printing them again.
/// </summary>
internal sealed class PrintedHere(long cursor, IReadOnlySet<long> above, int loaded, EpochRanges epochs, IReadOnlySet<int> canceled)
{
    /// <summary>
    /// The element at <paramref name="seq"/>, sorting at <paramref name="at"/> and appended under
    /// <paramref name="epoch"/>, is one this record knew printed. An element the store appended again at that sequence
    /// after losing writes has a newer epoch; one canceled (or moved out, or expired) here was never printed.
    /// </summary>
    public bool Holds(int seq, long at, string? epoch) =>
        seq < loaded
        && (at <= cursor || above.Contains(at))
        && !canceled.Contains(seq) && !canceled.Contains(SlotView.ExpiredMember(seq))
        && epochs.EpochOf(seq) == epoch;
}
