namespace EchoAtTime.Storage;

/// <summary>
/// One page of a listing: messages due from <see cref="FromMs"/> through <see cref="ToMs"/>, with
/// <see cref="Status"/> if given (null: any), strictly after <see cref="After"/> in (due, acceptance)
/// order if given (the previous page's <see cref="BrowsePage.Next"/>), at most <see cref="Limit"/>.
/// </summary>
public sealed record BrowseQuery(long FromMs, long ToMs, MessageStatus? Status, int Limit, BrowseCursor? After = null);

/// <summary>
/// A position in (due, acceptance) order: after the message due at <see cref="DueMs"/> with sequence <see cref="Seq"/>.
/// </summary>
public readonly record struct BrowseCursor(long DueMs, int Seq)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{DueMs}.{Seq}");

    public static bool TryParse(string? text, out BrowseCursor cursor)
    {
        cursor = default;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (text is null || text.Length > 32 || dot <= 0
            || !long.TryParse(text.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var due)
            || !int.TryParse(text.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        cursor = new BrowseCursor(due, seq);
        return true;
    }

    public bool IsBefore(long dueMs, int seq) => DueMs < dueMs || (DueMs == dueMs && Seq < seq);
}

/// <summary>
/// A listed message: its id, text, where it stands (with its receipt once printed) and its deadline (0: none).
/// </summary>
public sealed record BrowsedMessage(MessageId Id, string Message, MessageRecord Record, long ExpireAfterMs);

/// <summary>
/// A page of a listing, and where the next one starts (null: nothing more in the range). What one
/// call read, for the figures: minutes and list elements.
/// </summary>
public sealed record BrowsePage(IReadOnlyList<BrowsedMessage> Messages, BrowseCursor? Next, int MinutesRead, long ElementsRead);
