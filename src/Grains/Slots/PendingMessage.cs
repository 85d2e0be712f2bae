using EchoAtTime.Storage;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// A message of the active slot not yet printed, kept in print order (due offset, then sequence);
/// <see cref="ExpireAfterMs"/> 0 = no deadline.
/// </summary>
internal sealed record PendingMessage(int OffsetMs, int Seq, string Message, bool Redelivered, long ExpireAfterMs = 0) : IComparable<PendingMessage>
{
    public long Cursor => SlotCursor.Of(OffsetMs, Seq);

    /// <summary>
    /// Printing it at <paramref name="nowMs"/> would be later than its deadline. A redelivered one is
    /// never expired: it may have printed already, on time, before the crash.
    /// </summary>
    public bool IsExpiredAt(long slotStartMs, long nowMs) => ExpireAfterMs > 0 && !Redelivered && nowMs > slotStartMs + OffsetMs + ExpireAfterMs;

    public int CompareTo(PendingMessage? other) => other is null ? 1 : Cursor.CompareTo(other.Cursor);
}
