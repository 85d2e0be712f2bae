namespace EchoAtTime.Bench;

/// <summary>
/// One stdout line of a silo, reduced to what the figures need (a million lines stay ~24 MB; Chaos's
/// <c>PrintedLine</c>, which parses them, also keeps the raw text and the message).
/// </summary>
public readonly record struct PrintedRecord(MessageKey Key, long PrintedMs, bool Redelivered)
{
    /// <summary>printedAt − dueAt, ms: the silo's own clock on both sides.</summary>
    public long LatenessMs => PrintedMs - Key.DueMs;
}
