namespace EchoAtTime.Bench;

/// <summary>
/// What a scenario works with: the options, its own deployment, a batch sender, a seeded random, the log.
/// </summary>
public sealed class ScenarioContext(BenchOptions options, Deployment deployment, RedisStats stats, BatchLoad batches, Random random, Action<string> log)
{
    /// <summary>Batch requests in flight when a scenario schedules a fixed set of messages.</summary>
    public const int ScheduleConcurrency = 4;

    // Messages a silo warm-up printed: kept out of every analysis that follows.
    private const int WarmUpMessages = 256;
    private readonly List<string> _notes = [];
    private readonly HashSet<MessageKey> _warmUp = [];

    public BenchOptions Options => options;

    public Deployment Deployment => deployment;

    /// <summary>The store's figures (INFO, commandstats, memory), over a connection of the bench's own.</summary>
    public RedisStats Stats => stats;

    public BatchLoad Batches => batches;

    public Random Random => random;

    /// <summary>
    /// Remarks on the measurement itself (e.g. scheduling ran into the due window); reported, not failures.
    /// </summary>
    public IReadOnlyList<string> Notes => _notes;

    public static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public void Log(string line) => log(line);

    public void Note(string note)
    {
        _notes.Add(note);
        log("  note: " + note);
    }

    /// <summary>
    /// Schedules messages due at <paramref name="dueTimes"/> through the batch API (batches in the
    /// given order, a few in flight, round-robin over the silos), as fast as the silos take them.
    /// </summary>
    public Task<LoadTally> ScheduleAsync(IReadOnlyList<long> dueTimes, CancellationToken cancellationToken) =>
        batches.SendAllAsync(deployment.Urls, ScheduleConcurrency, BatchLoad.Split(dueTimes, options.BatchSize), cancellationToken);

    /// <summary>
    /// Notes when sending ran into the due window it was planned to stay clear of (a request took far
    /// longer than the rest): printing then competed with scheduling, and lateness is no longer clean.
    /// </summary>
    public void NoteIfSendingOverran(DueWindow due)
    {
        var now = NowMs;
        if (now > due.StartMs)
        {
            Note(FormattableString.Invariant($"sending ended {now - due.StartMs} ms after the first due time it was planned to end {options.DueGap.TotalSeconds:0.#} s before: printing overlapped scheduling"));
        }
    }

    /// <summary>
    /// Waits until <paramref name="accepted"/> have all printed (deadline from <paramref name="lastDueMs"/>) and
    /// analyses the output.
    /// </summary>
    public Task<PrintAnalysis> WaitForPrintsAsync(IReadOnlyCollection<MessageKey> accepted, long lastDueMs, CancellationToken cancellationToken)
    {
        log($"  waiting for {accepted.Count} prints (last due in {Math.Max(0, lastDueMs - NowMs) / 1000.0:0.0} s)");
        return PrintWaiter.WaitAsync(deployment, accepted, PrintWaiter.DeadlineAfter(lastDueMs, accepted.Count), log, cancellationToken, _warmUp);
    }

    /// <summary>
    /// Has freshly started silos print a few hundred messages first, so punctuality figures measure a
    /// running service and not the JIT compiling the printing path (the first print after a start is
    /// ≈ 10 ms late; the drain scenario shows restart behaviour on purpose). The messages fall in the
    /// current minute, which the measured ones usually share, so it is the printing silo that warms.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var firstDueMs = NowMs + 300;
        var dueTimes = Enumerable.Range(0, WarmUpMessages).Select(i => firstDueMs + i).ToArray();
        var tally = await ScheduleAsync(dueTimes, cancellationToken);
        await WaitForPrintsAsync(tally.Accepted, dueTimes[^1], cancellationToken);
        _warmUp.UnionWith(tally.Accepted);
        log($"  warm-up: {tally.Accepted.Count} messages printed (left out of the figures)");
    }
}
