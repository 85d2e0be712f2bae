namespace EchoAtTime.Chaos;

/// <summary>
/// The figures of one chaos run. <see cref="Passed"/> requires no lost message, no unflagged
/// duplicate, no order break, no early print, no mismatched line (the shared <see cref="Invariants"/>
/// and the chaos tool's own), no 202 while the store was down, and every occurrence of the run's schedules.
/// Everything else is measured and reported, not judged.
/// </summary>
public sealed record ChaosReport
{
    public required ChaosOptions Options { get; init; }

    public required int Seed { get; init; }

    /// <summary>
    /// Where Redis data and every process's stdout/stderr were kept (deleted after a passing run unless asked to keep).
    /// </summary>
    public required string WorkDir { get; init; }

    public bool WorkDirKept { get; init; }

    /// <summary>When scheduling began (every process up), epoch ms; kill times (AtSecond) count from here.</summary>
    public long StartedAtMs { get; init; }

    public long SchedulingEndedAtMs { get; init; }

    /// <summary>The latest due time of any accepted message.</summary>
    public long LastDueMs { get; init; }

    /// <summary>Every accepted message had printed by then (0 if the drain timed out).</summary>
    public long DrainedAtMs { get; init; }

    /// <summary>The whole run, from starting Redis to the last process stopped.</summary>
    public double WallSeconds { get; init; }

    /// <summary>
    /// The machine's 1-minute load average at the start of scheduling and at the end: figures from a busy machine read
    /// differently.
    /// </summary>
    public string LoadAverage { get; init; } = "";

    public required RequestFigures Requests { get; init; }

    /// <summary>Parsed stdout lines of every silo process, killed ones included.</summary>
    public long PrintedLines { get; init; }

    /// <summary>Distinct ids printed.</summary>
    public long PrintedMessages { get; init; }

    /// <summary>
    /// Printed although their request was not answered <c>202</c> (the store took them, the answer was lost). Allowed.
    /// </summary>
    public long PrintedNotAccepted { get; init; }

    /// <summary>
    /// stdout lines that are not an echoed message (e.g. cut by <c>kill -9</c>); reported, not judged.
    /// </summary>
    public long UnparseableLines { get; init; }

    /// <summary>Accepted (<c>202</c>) and never printed by any process.</summary>
    public long Lost { get; init; }

    /// <summary>Repeat prints of a message flagged <c>"redelivered":true</c> (allowed after a crash).</summary>
    public long DuplicatesFlagged { get; init; }

    /// <summary>Repeat prints of a message without the flag: a violation.</summary>
    public long DuplicatesUnflagged { get; init; }

    /// <summary>
    /// Flagged repeats whose earlier print came from a process that was not <c>kill -9</c>ed (e.g. a reload after a
    /// Redis failure).
    /// </summary>
    public long FlaggedRepeatsWithoutKill { get; init; }

    /// <summary>Most repeats attributable to one killed process (DESIGN: at most one batch per crash).</summary>
    public long MaxRepeatsPerCrash { get; init; }

    /// <summary>
    /// Most batches of one killed process printed again in one minute (see
    /// <see cref="InvariantReport.MaxBatchesRepeatedPerCrash"/>): at most 1.
    /// </summary>
    public long MaxBatchesRepeatedPerCrash { get; init; }

    /// <summary>
    /// First prints that already carry the flag (the previous printer died before its line reached stdout).
    /// </summary>
    public long FlaggedFirstPrints { get; init; }

    /// <summary>
    /// First prints of messages printed after another message with a greater (dueAt, seq) that was printed at least 1
    /// ms earlier.
    /// </summary>
    public long OrderBreaks { get; init; }

    /// <summary>
    /// Early prints: lines this tool received before their dueAt by its own clock (which no clock step
    /// moves), plus lines whose printedAt is before dueAt.
    /// </summary>
    public long EarlyPrints { get; init; }

    /// <summary>Of <see cref="EarlyPrints"/>: received before dueAt by this tool's clock.</summary>
    public long EarlyByReceipt { get; init; }

    /// <summary>
    /// Lines whose id was accepted for another text, whose text was accepted under another id (an idempotency key that
    /// did not hold), or whose text this run never sent.
    /// </summary>
    public long Mismatched { get; init; }

    public required LatenessFigures Lateness { get; init; }

    public IReadOnlyList<Disruption> Kills { get; init; } = [];

    public IReadOnlyList<Disruption> RedisRestarts { get; init; } = [];

    /// <summary>
    /// Failover drills on a Redis Cluster (<c>master</c>: a master <c>kill -9</c>ed, its replica
    /// promoted). Their <see cref="Disruption.AcceptedWhileDown"/> (202s answered before the promotion)
    /// is a figure, not a failure: the other shards go on accepting; what the dead master had not yet
    /// replicated shows as lost.
    /// </summary>
    public IReadOnlyList<Disruption> MasterFailovers { get; init; } = [];

    /// <summary>
    /// The whole service stopped and started again (<c>--outage</c>); resume time is how long its backlog took to
    /// print.
    /// </summary>
    public IReadOnlyList<Disruption> Outages { get; init; } = [];

    /// <summary>
    /// 202s answered while Redis was down to requests sent after it died (see
    /// <see cref="Disruption.AcceptedWhileDown"/>).
    /// </summary>
    public long AcceptedWhileStoreDown => RedisRestarts.Sum(r => r.AcceptedWhileDown);

    /// <summary>Resume time (see <see cref="Disruption.ResumeMs"/>) over all kills: p50 and max, ms.</summary>
    public long ResumeP50Ms { get; init; }

    /// <inheritdoc cref="ResumeP50Ms"/>
    public long ResumeMaxMs { get; init; }

    /// <summary>
    /// 503s the survivors answered within <see cref="ChaosAnalysis.AvailabilityWindowMs"/> of a kill (see
    /// <see cref="Disruption.SurvivorUnavailable"/>): the sum over kills.
    /// </summary>
    public long SurvivorUnavailableTotal { get; init; }

    /// <summary>The most such 503s after one kill.</summary>
    public long SurvivorUnavailableMax { get; init; }

    /// <summary>Print stall (see <see cref="Disruption.PrintStallMs"/>) over all kills: p50 and max, ms.</summary>
    public long PrintStallP50Ms { get; init; }

    /// <inheritdoc cref="PrintStallP50Ms"/>
    public long PrintStallMaxMs { get; init; }

    /// <summary>Faults injected into the silos' Redis connections (<c>--store-faults</c>), in time order.</summary>
    public IReadOnlyList<StoreFault> StoreFaults { get; init; } = [];

    /// <summary>
    /// Store faults that took effect, by kind: <c>reply-drop append</c>, <c>reply-drop other</c> (a
    /// commit, load or close), <c>reply-drop failed</c> (matched, connection reset, but Redis did not
    /// confirm it ran), <c>delay</c>; and, not injected, <c>reply-drop never matched</c>.
    /// </summary>
    public IReadOnlyDictionary<string, long> StoreFaultsByKind { get; init; } = new Dictionary<string, long>();

    /// <summary>Store faults that took effect, by silo.</summary>
    public IReadOnlyDictionary<string, long> StoreFaultsBySilo { get; init; } = new Dictionary<string, long>();

    /// <summary>
    /// Silos' wall clocks stepped (<c>--clock-steps</c>), in time order. A stepped silo's exit is injected,
    /// not a crash: like a kill's, its unconfirmed batch may print again flagged.
    /// </summary>
    public IReadOnlyList<ClockStep> ClockSteps { get; init; } = [];

    /// <summary>Silo processes that exited without being killed or stopped (crashes), restarted by the tool.</summary>
    public long Crashes { get; init; }

    /// <summary>Restarts whose process was not ready within the start timeout.</summary>
    public long FailedStarts { get; init; }

    public IReadOnlyList<InstanceFigures> Instances { get; init; } = [];

    /// <summary>Evidence for every non-zero violation figure: ids, times, which instance printed what.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary>The schedules' occurrences (<c>--schedules</c>).</summary>
    public OccurrenceFigures Occurrences { get; init; } = OccurrenceFigures.None;

    public bool Passed => Lost == 0 && DuplicatesUnflagged == 0 && OrderBreaks == 0 && EarlyPrints == 0 && Mismatched == 0 && AcceptedWhileStoreDown == 0 && Occurrences.Holds;
}
