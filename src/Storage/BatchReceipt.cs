using System.Globalization;

namespace EchoAtTime.Storage;

/// <summary>
/// The text a commit keeps for the batch it confirms (the meta field <c>r</c>, read back by the
/// status script): <c>{offset}.{seq}@{printed at, ms after the minute's start}</c> of the batch's
/// last message, then <c>!{offset}.{seq}</c> of its last redelivered one when it had any. Batches
/// print in cursor order, so each message's receipt is the first batch ending at or after it.
/// </summary>
public static class BatchReceipt
{
    public static string Of(long slotStartMs, long printedAtMs, int lastOffsetMs, int lastSeq, (int OffsetMs, int Seq)? lastRedelivered)
    {
        var at = Math.Max(0, printedAtMs - slotStartMs);
        return lastRedelivered is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"{lastOffsetMs}.{lastSeq}@{at}!{r.OffsetMs}.{r.Seq}")
            : string.Create(CultureInfo.InvariantCulture, $"{lastOffsetMs}.{lastSeq}@{at}");
    }
}
