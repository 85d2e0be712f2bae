using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EchoAtTime;

/// <summary>
/// Identity of an accepted message: its due time and its acceptance sequence inside its slot.
/// The text form <c>{dueMs}-{seq}</c> (like a Redis stream id) carries the slot, so a lookup or a
/// cancel routes straight to the owning <see cref="ITimeSlotGrain"/> without any global index.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("EchoAtTime.MessageId")]
public readonly record struct MessageId([property: Id(0)] long DueMs, [property: Id(1)] int Seq)
{
    public long Slot => TimeSlot.Of(DueMs);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{DueMs}-{Seq}");

    public static bool TryParse([NotNullWhen(true)] string? text, out MessageId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text) || text.Length > 32)
        {
            return false;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0
            || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var due)
            || !int.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            || due > EchoTime.MaxEpochMs)
        {
            return false;
        }

        id = new MessageId(due, seq);
        return true;
    }
}
