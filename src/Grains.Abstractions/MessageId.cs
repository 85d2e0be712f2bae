using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EchoAtTime;

/// <summary>
/// Identity of an accepted message: its due time, the store incarnation it was appended under, and
/// its acceptance sequence inside its slot. The text form <c>{dueMs}-{epoch}-{seq}</c> carries the
/// slot, so a lookup or a cancel routes straight to the owning <see cref="ITimeSlotGrain"/> without
/// any global index. The epoch (8 hex digits of the store's <c>run_id</c>) is what keeps ids unique
/// when a store loses acknowledged writes: the list position of a lost message is handed out again,
/// but under another epoch. Ids without an epoch (<c>{dueMs}-{seq}</c>) are those of minutes written
/// before epochs existed.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("EchoAtTime.MessageId")]
public readonly record struct MessageId([property: Id(0)] long DueMs, [property: Id(1)] int Seq, [property: Id(2)] string? Epoch)
{
    public const int EpochLength = 8;

    public MessageId(long dueMs, int seq)
        : this(dueMs, seq, null)
    {
    }

    public long Slot => TimeSlot.Of(DueMs);

    /// <summary>The epoch as the store scripts compare it: empty for ids from before epochs.</summary>
    public string EpochText => Epoch ?? "";

    public override string ToString() => string.IsNullOrEmpty(Epoch)
        ? string.Create(CultureInfo.InvariantCulture, $"{DueMs}-{Seq}")
        : string.Create(CultureInfo.InvariantCulture, $"{DueMs}-{Epoch}-{Seq}");

    public bool Equals(MessageId other) => DueMs == other.DueMs && Seq == other.Seq && EpochText == other.EpochText;

    public override int GetHashCode() => HashCode.Combine(DueMs, Seq, EpochText);

    public static bool TryParse([NotNullWhen(true)] string? text, out MessageId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text) || text.Length > 40)
        {
            return false;
        }

        var first = text.IndexOf('-', StringComparison.Ordinal);
        var last = text.LastIndexOf('-');
        string? epoch = null;
        if (first != last)
        {
            epoch = text[(first + 1)..last];
            if (!IsEpoch(epoch))
            {
                return false;
            }
        }

        if (first <= 0
            || !long.TryParse(text.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var due)
            || !int.TryParse(text.AsSpan(last + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            || due > EchoTime.MaxEpochMs)
        {
            return false;
        }

        id = new MessageId(due, seq, epoch);
        return true;
    }

    /// <summary>Eight lowercase hex digits.</summary>
    public static bool IsEpoch(string? text) =>
        text is { Length: EpochLength } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
