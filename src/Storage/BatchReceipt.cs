using System.Globalization;

namespace EchoAtTime.Storage;

/// <summary>
/// The receipt a commit keeps for the batch it confirms. The printer sends
/// <c>{offset}.{seq}@{lateness ms}</c> of the batch's last message, then <c>!{offset}.{seq}</c> of
/// its last redelivered one when it had any; the commit script stores it relative to the previous
/// receipt (<c>{Δoffset}.{Δseq}@{lateness}[!{Δoffset back}.{Δseq back}]</c>, meta field <c>r</c>), so
/// batches that follow each other closely cost a few bytes each. Batches print in cursor order, so a
/// message's receipt is the first batch ending at or after it, and it printed at that batch's time.
/// </summary>
public static class BatchReceipt
{
    public static string Of(long slotStartMs, long printedAtMs, int lastOffsetMs, int lastSeq, (int OffsetMs, int Seq)? lastRedelivered)
    {
        var late = Math.Max(0, printedAtMs - (slotStartMs + lastOffsetMs));
        return lastRedelivered is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"{lastOffsetMs}.{lastSeq}@{late}!{r.OffsetMs}.{r.Seq}")
            : string.Create(CultureInfo.InvariantCulture, $"{lastOffsetMs}.{lastSeq}@{late}");
    }

    /// <summary>
    /// The receipt of the message at (<paramref name="offsetMs"/>, <paramref name="seq"/>) in a
    /// minute's stored receipts: printed at (ms after the minute's start) and whether redelivered;
    /// null when no batch ends at or after it (printed before receipts were kept). The C# twin of the
    /// status script's lookup.
    /// </summary>
    public static (long AtMs, bool Redelivered)? Find(string? receipts, int offsetMs, int seq)
    {
        if (string.IsNullOrEmpty(receipts))
        {
            return null;
        }

        var target = SlotCursor.Of(offsetMs, seq);
        long o = 0, s = 0;
        foreach (var entry in receipts.Split(','))
        {
            var at = entry.IndexOf('@', StringComparison.Ordinal);
            var bang = entry.IndexOf('!', StringComparison.Ordinal);
            if (at < 0 || !TryPair(entry.AsSpan(0, at), out var dO, out var dS))
            {
                return null;
            }

            (o, s) = (o + dO, s + dS);
            if (SlotCursor.Of((int)o, (int)s) < target)
            {
                continue;
            }

            var late = Lateness(entry, at, bang) ?? throw new FormatException($"Receipt '{entry}' without a lateness.");
            var again = bang >= 0 && TryPair(entry.AsSpan(bang + 1), out var bO, out var bS) && SlotCursor.Of((int)(o - bO), (int)(s - bS)) >= target;
            return (o + late, again);
        }

        return null;
    }

    /// <summary>
    /// How late each batch of a minute's stored receipts printed (its last message's lateness, ms), in print order.
    /// </summary>
    public static IEnumerable<long> Latenesses(string? receipts)
    {
        foreach (var entry in (receipts ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Lateness(entry, entry.IndexOf('@', StringComparison.Ordinal), entry.IndexOf('!', StringComparison.Ordinal)) is { } late)
            {
                yield return late;
            }
        }
    }

    /// <summary>
    /// The lateness of one receipt entry: the number after its '@' (at <paramref name="at"/>), up to its '!' if any.
    /// </summary>
    private static long? Lateness(string entry, int at, int bang) =>
        at >= 0 && long.TryParse(bang < 0 ? entry.AsSpan(at + 1) : entry.AsSpan(at + 1, bang - at - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var late)
            ? late
            : null;

    private static bool TryPair(ReadOnlySpan<char> text, out long first, out long second)
    {
        first = second = 0;
        var dot = text.IndexOf('.');
        return dot > 0
            && long.TryParse(text[..dot], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out first)
            && long.TryParse(text[(dot + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out second);
    }
}
