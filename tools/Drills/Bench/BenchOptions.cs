namespace EchoAtTime.Bench;

/// <summary>
/// What one benchmark run does. Every property has the command line's default; <see cref="Smoke"/> has the CI sizes.
/// </summary>
public sealed record BenchOptions
{
    /// <summary>Every scenario runs once per entry, each time on a fresh Redis and fresh silos.</summary>
    public IReadOnlyList<int> SiloCounts { get; init; } = [1, 2];

    public IReadOnlyList<string> Scenarios { get; init; } = BenchScenarios.Names;

    /// <summary>Measured sending time of schedule.single and schedule.batch.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sending before the measured window (connections, JIT, grain activation); its messages still must print.
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Keep-alive connections of schedule.single, one request in flight each.</summary>
    public int Connections { get; init; } = 64;

    public int BatchSize { get; init; } = 1_000;

    /// <summary>Batch requests in flight (schedule.batch).</summary>
    public int BatchConcurrency { get; init; } = 6;

    /// <summary>
    /// schedule.*: the first message is due this long after sending ends, so printing does not compete with scheduling.
    /// </summary>
    public TimeSpan DueGap { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>schedule.*: due times spread over this window.</summary>
    public TimeSpan DueWindow { get; init; } = TimeSpan.FromSeconds(5);

    public int MemoryMessages { get; init; } = 100_000;

    /// <summary>memory: the first due time is this far ahead, so nothing prints while it is measured.</summary>
    public TimeSpan MemoryAhead { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>memory: due times spread over this much (several minute slots).</summary>
    public TimeSpan MemorySpread { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>lateness.*: how long messages keep coming due.</summary>
    public TimeSpan LatenessDuration { get; init; } = TimeSpan.FromSeconds(10);

    public int LatenessLightRate { get; init; } = 200;

    public int LatenessIdleRate { get; init; } = 4;

    /// <summary>lateness.*: the first due time is at least this long after scheduling completes.</summary>
    public TimeSpan LatenessLead { get; init; } = TimeSpan.FromSeconds(3);

    public int BurstMessages { get; init; } = 20_000;

    /// <summary>burst: the one due time is this far ahead of the start of scheduling.</summary>
    public TimeSpan BurstLead { get; init; } = TimeSpan.FromSeconds(6);

    public int DrainMessages { get; init; } = 100_000;

    /// <summary>recurring: schedules firing every second, so occurrences due per second.</summary>
    public int RecurringSchedules { get; init; } = 1_000;

    /// <summary>recurring: the due window measured.</summary>
    public TimeSpan RecurringDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>drain: due times spread over this window, which starts once the silos are surely stopped.</summary>
    public TimeSpan DrainWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// drain: time allowed for stopping the silos after scheduling, before the first due time (on top
    /// of scheduling at an assumed 25k msg/s). Two silos stopping together took up to ~3 s here.
    /// </summary>
    public TimeSpan DrainStopAllowance { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// scale: the silo counts it runs on (in place of <see cref="SiloCounts"/>); efficiency is relative to the
    /// smallest.
    /// </summary>
    public IReadOnlyList<int> ScaleSilos { get; init; } = [1, 2, 4];

    /// <summary>scale: CPU quota of every silo (its own cgroup), in cores; 0.25 = a quarter of one core.</summary>
    public double ScaleQuota { get; init; } = 0.25;

    /// <summary>scale: measured sending time of each run.</summary>
    public TimeSpan ScaleDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// scale: sending before the measured window, not counted. Longer than schedule.*'s: a silo with a
    /// quarter of a core needs a few seconds of load before its hot paths are JIT-compiled at tier 1.
    /// </summary>
    public TimeSpan ScaleWarmUp { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// scale: keep-alive connections per silo, one request in flight each. A throttled silo answers in
    /// milliseconds, so 32 queue enough requests to keep it busy through every throttled period.
    /// </summary>
    public int ScaleConnectionsPerSilo { get; init; } = 32;

    /// <summary>Masters of a local Redis Cluster (no replicas) every scenario runs on; 0: one redis-server.</summary>
    public int RedisCluster { get; init; }

    /// <summary>
    /// Redis <c>appendfsync</c>: <c>always</c> or <c>everysec</c>; or <c>off</c>, no persistence at all (the peer
    /// comparison's Redis, <c>tools/peer-bench.sh</c>).
    /// </summary>
    public string AppendFsync { get; init; } = "always";

    public string ReportPath { get; init; } = "bench-report.json";

    /// <summary>Keep the work dir (Redis data, silo stdout/stderr) even when every invariant held.</summary>
    public bool Keep { get; init; }

    /// <summary>The CI sizes (<see cref="SmokeDefaults"/>).</summary>
    public bool Smoke { get; init; }

    /// <summary>Where Redis data and silo output go; null makes /tmp/echo-bench-&lt;guid&gt;.</summary>
    public string? WorkDir { get; init; }

    public int Seed { get; init; } = Random.Shared.Next();

    /// <summary>horizon: messages, each due in a minute of its own.</summary>
    public int HorizonMessages { get; init; } = 100_000;

    /// <summary>
    /// Which build of the Silo to run: <c>src/Silo/bin/{Configuration}/net10.0</c>, by default the one this tool was
    /// built in.
    /// </summary>
    public string Configuration { get; init; } = BuiltService.Configuration;

    /// <summary>The checkout holding EchoAtTime.sln; null finds it above this tool.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>
    /// Tiny sizes for CI: every scenario but scale once on one silo, well under a minute in all. scale
    /// is left out unless named (<c>--smoke --scenarios scale</c>): it needs root for its cgroups and
    /// starts a deployment per silo count.
    /// </summary>
    public static BenchOptions SmokeDefaults => new()
    {
        Smoke = true,
        SiloCounts = [1],
        Scenarios = [.. BenchScenarios.Names.Where(n => !BenchScenarios.IsScale(n))],
        ScaleSilos = [1, 2],
        ScaleDuration = TimeSpan.FromSeconds(1),
        ScaleWarmUp = TimeSpan.FromSeconds(0.5),
        Duration = TimeSpan.FromSeconds(1),
        WarmUp = TimeSpan.FromSeconds(0.5),
        DueGap = TimeSpan.FromSeconds(1),
        DueWindow = TimeSpan.FromSeconds(1),
        MemoryMessages = 200,
        HorizonMessages = 1_000,
        LatenessDuration = TimeSpan.FromSeconds(1),
        LatenessLead = TimeSpan.FromSeconds(1),
        BurstMessages = 200,
        BurstLead = TimeSpan.FromSeconds(1.5),
        DrainMessages = 200,
        RecurringSchedules = 20,
        RecurringDuration = TimeSpan.FromSeconds(2),
        DrainWindow = TimeSpan.FromSeconds(1),
        DrainStopAllowance = TimeSpan.FromSeconds(3),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that makes no sense.</summary>
    public void Validate()
    {
        Require(SiloCounts.Count > 0 && SiloCounts.All(n => n is >= 1 and <= 8), "--silos takes counts from 1 to 8, e.g. 1,2");
        Require(Scenarios.Count > 0, "--scenarios names no scenario");
        Require(Duration > TimeSpan.Zero && WarmUp >= TimeSpan.Zero && LatenessDuration > TimeSpan.Zero, "durations must be positive");
        Require(Connections >= 1 && BatchConcurrency >= 1, "connections and concurrency must be at least 1");
        Require(BatchSize is >= 1 and <= 1000, "the batch size must be 1..1000 (the API's limit)");
        Require(MemoryMessages >= 1 && HorizonMessages >= 1 && BurstMessages >= 1 && DrainMessages >= 1 && RecurringSchedules >= 1, "message and schedule counts must be at least 1");
        Require(LatenessLightRate >= 1 && LatenessIdleRate >= 1, "rates must be at least 1 per second");
        Require(ScaleSilos.Count > 0 && ScaleSilos.All(n => n is >= 1 and <= 8), "--scale-silos takes counts from 1 to 8, e.g. 1,2,4");
        Require(ScaleQuota >= CpuCgroup.MinCores && ScaleQuota <= Environment.ProcessorCount,
            FormattableString.Invariant($"--scale-quota takes cores per silo from {CpuCgroup.MinCores} to {Environment.ProcessorCount}, e.g. 0.25"));
        Require(ScaleDuration > TimeSpan.Zero && ScaleWarmUp >= TimeSpan.Zero && ScaleConnectionsPerSilo >= 1, "the scale durations and connections must be positive");
        Require(AppendFsync is "always" or "everysec" or StoreProcess.NoPersistence, "--appendfsync must be always, everysec or off");
        Require(RedisCluster == 0 || RedisCluster is >= 3 and <= 9, "--redis-cluster takes 3 to 9 masters (Redis Cluster needs 3), or 0 for one Redis");
        Require(Configuration.Length > 0, "--config must name a build configuration");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
