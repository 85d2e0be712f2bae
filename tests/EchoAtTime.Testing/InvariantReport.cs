namespace EchoAtTime.Testing;

/// <summary>
/// What <see cref="Invariants.Check"/> found: counts of every kind, and the first examples of each violation.
/// </summary>
public sealed record InvariantReport
{
    public long PrintedLines { get; init; }

    public long PrintedMessages { get; init; }

    /// <summary>The first print of each message, in printedAt order (ties keep the input order).</summary>
    public IReadOnlyList<PrintedLine> FirstPrints { get; init; } = [];

    /// <summary>Accepted and printed by no process; null when no accepted set was given.</summary>
    public long? Lost { get; init; }

    /// <summary>The lost messages, in promised order.</summary>
    public IReadOnlyList<MessageKey> LostKeys { get; init; } = [];

    /// <summary>Printed, but not in the accepted set (a request whose answer was lost); allowed.</summary>
    public long PrintedNotAccepted { get; init; }

    /// <summary>Repeats (prints after a message's first) flagged <c>redelivered</c>.</summary>
    public long FlaggedRepeats { get; init; }

    /// <summary>Repeats without the flag: a reader could not tell them from a new message. A violation.</summary>
    public long UnflaggedRepeats { get; init; }

    /// <summary>Flagged repeats whose earlier prints all came from processes that did not crash.</summary>
    public long FlaggedRepeatsWithoutCrash { get; init; }

    /// <summary>The most flagged repeats one crashed process caused (they re-print its last declared batch).</summary>
    public long MaxRepeatsPerCrash { get; init; }

    /// <summary>
    /// The most batches one crashed process had printed that were printed again, in one minute: the
    /// distinct <c>printedAt</c> of their first prints (a printer stamps one on a whole batch). The design
    /// re-prints only the batch declared and not confirmed, so at most 1.
    /// </summary>
    public long MaxBatchesRepeatedPerCrash { get; init; }

    /// <summary>First prints carrying the flag (declared by a printer that died before printing them).</summary>
    public long FlaggedFirstPrints { get; init; }

    /// <summary>Lines flagged <c>redelivered</c>, first prints and repeats.</summary>
    public long Flagged => FlaggedRepeats + FlaggedFirstPrints;

    /// <summary>Lines whose printedAt is before their due time. A violation.</summary>
    public long Early { get; init; }

    /// <summary>Lines the reader received before their due time (by the reader's clock). A violation.</summary>
    public long EarlyByReceipt { get; init; }

    /// <summary>
    /// First prints out of the promised order (<see cref="Invariants.OrderDefinition"/>). A violation.
    /// </summary>
    public long OrderBreaks { get; init; }

    /// <summary>The first examples of each kind, <c>kind: text</c>.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary>Nothing lost, no unflagged repeat, nothing out of order, nothing early by either clock.</summary>
    public bool Holds => (Lost ?? 0) == 0 && UnflaggedRepeats == 0 && OrderBreaks == 0 && Early == 0 && EarlyByReceipt == 0;

    /// <summary>One line per count and the evidence: what an assertion message needs.</summary>
    public override string ToString() =>
        $"lost {Lost?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, unflagged repeats {UnflaggedRepeats}, order breaks {OrderBreaks}, "
        + $"early {Early} (by receipt {EarlyByReceipt}), flagged {Flagged} (repeats without a crash {FlaggedRepeatsWithoutCrash}), "
        + $"{PrintedMessages} messages in {PrintedLines} lines"
        + string.Concat(Evidence.Select(e => Environment.NewLine + e));
}
