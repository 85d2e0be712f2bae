using EchoAtTime.Storage;

namespace EchoAtTime.Grains.Slots;

/// <summary>A message of the active slot not yet printed, kept in print order (due offset, then sequence).</summary>
internal sealed record PendingMessage(int OffsetMs, int Seq, string Message, bool Redelivered) : IComparable<PendingMessage>
{
    public long Cursor => SlotCursor.Of(OffsetMs, Seq);

    public int CompareTo(PendingMessage? other) => other is null ? 1 : Cursor.CompareTo(other.Cursor);
}
