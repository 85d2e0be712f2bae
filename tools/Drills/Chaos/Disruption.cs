namespace EchoAtTime.Chaos;

/// <summary>
/// One <c>kill -9</c> of a silo (<see cref="Kind"/> <c>kill</c>) or of Redis (<c>redis</c>), what came
/// back, and how long printing took to resume after it.
/// </summary>
public sealed record Disruption
{
    /// <summary><c>kill</c> (a silo) or <c>redis</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>When the SIGKILL was sent, epoch ms (same clock as the silos' <c>printedAt</c>).</summary>
    public required long AtMs { get; init; }

    /// <summary>Seconds since scheduling began.</summary>
    public double AtSecond { get; init; }

    /// <summary>The process killed, e.g. <c>silo-2#1</c>, or <c>redis</c>.</summary>
    public required string Killed { get; init; }

    public int Pid { get; init; }

    /// <summary>An outage: how long the service was down, ms; 0 for the others.</summary>
    public long DownMs { get; init; }

    /// <summary>
    /// A Redis restart: 202 answers to requests sent after the kill and answered before Redis was back (it could not
    /// have stored them). Must be 0.
    /// </summary>
    public long AcceptedWhileDown { get; init; }

    /// <summary>
    /// The killed silo had printed something in the second before it died (it was likely the one printing).
    /// </summary>
    public bool WasPrinting { get; init; }

    /// <summary>The fresh process that replaced it (empty if the restart failed).</summary>
    public string RestartedAs { get; init; } = "";

    /// <summary>From the kill until the replacement answered ready (ms); null if it never did.</summary>
    public long? BackReadyAfterMs { get; init; }

    /// <summary>
    /// End of this disruption's window (print time): the next disruption or 15 s after it, whichever is first (epoch
    /// ms).
    /// </summary>
    public long WindowEndMs { get; init; }

    /// <summary>First prints with printedAt in [AtMs, WindowEndMs).</summary>
    public int PrintedInWindow { get; init; }

    /// <summary>
    /// Resume time: the longest wait, printedAt − max(dueAt, the previous disruption's AtMs, or this
    /// one's when it is the first or an outage), among the first prints in [AtMs, WindowEndMs), ms. With messages
    /// falling due continuously it is ≈ how long printing stalled because of this disruption (a few ms when the killed
    /// silo owned nothing due). Null when nothing printed in the window.
    /// </summary>
    public long? ResumeMs { get; init; }

    /// <summary>
    /// Messages of requests sent in [AtMs, WindowEndMs) that were not accepted (503, connection error, timeout).
    /// </summary>
    public long RejectedInWindow { get; init; }

    /// <summary>The message that waited longest in the window (id and the instance that printed it).</summary>
    public string SlowestMessage { get; init; } = "";

    /// <summary>
    /// Availability: <c>503</c> answers (requests) that the other nodes — the surviving silos and the
    /// gateway — gave in the <see cref="ChaosAnalysis.AvailabilityWindowMs"/> after the disruption
    /// (by answer time; retries included). For a Redis restart, every node's.
    /// </summary>
    public long SurvivorUnavailable { get; init; }

    /// <summary>
    /// Print stall: from the disruption to the next line (any line) printed by another process, ms;
    /// null when none printed within 15 s. With messages due every few ms, ≈ how long printing stopped.
    /// </summary>
    public long? PrintStallMs { get; init; }
}
