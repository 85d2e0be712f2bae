namespace EchoAtTime.Bench;

/// <summary>
/// The invariants checked on what a scenario's silos printed. Every scenario reports them; lost,
/// duplicates, order breaks, early prints and unparseable lines must all be 0. The scale scenario,
/// during which nothing comes due, checks the store instead (<see cref="StoreCheck"/>): there lost
/// counts accepted ids the store does not hold, and stored-not-accepted must be 0 as well.
/// </summary>
public sealed record Integrity
{
    /// <summary>Answered 202 (every one of them must print, unless the scenario prints nothing).</summary>
    public long Accepted { get; init; }

    public long PrintedLines { get; init; }

    public long DistinctPrinted { get; init; }

    /// <summary>
    /// Accepted, never printed. Null where the scenario's messages are not due during the run (memory).
    /// </summary>
    public long? Lost { get; init; }

    /// <summary>Lines beyond the first for an id.</summary>
    public long Duplicates { get; init; }

    /// <summary>Lines flagged <c>redelivered</c> (allowed only after a silo crash; none happens here).</summary>
    public long Redelivered { get; init; }

    /// <summary>As <see cref="EchoAtTime.Testing.Invariants.OrderDefinition"/> defines them.</summary>
    public long OrderBreaks { get; init; }

    /// <summary>Lines with printedAt &lt; dueAt.</summary>
    public long Early { get; init; }

    /// <summary>Printed ids this tool never saw accepted (a request whose answer was lost); allowed.</summary>
    public long PrintedNotAccepted { get; init; }

    /// <summary>
    /// scale: stored messages no accepted id names (the store holds more than was accepted); 0 elsewhere.
    /// </summary>
    public long StoredNotAccepted { get; init; }

    /// <summary>stdout lines that are not an echoed message.</summary>
    public long Unparseable { get; init; }

    /// <summary>The first few examples of each violation.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    public bool Holds => (Lost ?? 0) == 0 && Duplicates == 0 && OrderBreaks == 0 && Early == 0 && Unparseable == 0 && StoredNotAccepted == 0;
}
