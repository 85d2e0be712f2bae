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

    /// <summary>
    /// The receipt of the message at (<paramref name="offsetMs"/>, <paramref name="seq"/>) in a
    /// minute's receipts: printed at (ms after the minute's start) and whether redelivered; null when
    /// no batch ends at or after it (printed before receipts were kept). The C# twin of the status script's lookup.
    /// </summary>
    public static (long AtMs, bool Redelivered)? Find(string? receipts, int offsetMs, int seq)
    {
        if (string.IsNullOrEmpty(receipts))
        {
            return null;
        }

        var target = SlotCursor.Of(offsetMs, seq);
        foreach (var entry in receipts.Split(','))
        {
            var at = entry.IndexOf('@', StringComparison.Ordinal);
            var bang = entry.IndexOf('!', StringComparison.Ordinal);
            if (at < 0 || !TryCursor(entry.AsSpan(0, at), out var end) || end < target)
            {
                continue;
            }

            var printed = long.Parse(bang < 0 ? entry.AsSpan(at + 1) : entry.AsSpan(at + 1, bang - at - 1), CultureInfo.InvariantCulture);
            var again = bang >= 0 && TryCursor(entry.AsSpan(bang + 1), out var lastAgain) && lastAgain >= target;
            return (printed, again);
        }

        return null;
    }

    private static bool TryCursor(ReadOnlySpan<char> text, out long cursor)
    {
        cursor = 0;
        var dot = text.IndexOf('.');
        if (dot <= 0
            || !int.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !int.TryParse(text[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        cursor = SlotCursor.Of(offset, seq);
        return true;
    }
}
