using System.Reflection;

namespace EchoAtTime.Chaos;

/// <summary>What one chaos run does. Every property has the command line's default.</summary>
public sealed record ChaosOptions
{
    /// <summary>Silo processes sharing the one Redis.</summary>
    public int Silos { get; init; } = 3;

    /// <summary>Also run the stateless gateway and send part of the load through it.</summary>
    public bool Gateway { get; init; } = true;

    /// <summary>Messages to schedule (requests × batch size).</summary>
    public int Messages { get; init; } = 50_000;

    /// <summary>Recurring schedules running through the chaos (<see cref="ScheduleLoad"/>); zero = none.</summary>
    public int Schedules { get; init; }

    /// <summary>The cron of those schedules, in UTC; six fields with seconds first.</summary>
    public string ScheduleCron { get; init; } = "*/2 * * * * *";

    /// <summary>The scheduling phase: messages are sent at an even rate over this time.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary><c>kill -9</c> a random ready silo this often, and restart it; zero turns kills off.</summary>
    public TimeSpan KillEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a killed silo stays down before its fresh process starts (same ports).</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.Zero;

    /// <summary><c>kill -9</c> Redis this often and start it again on the same port and dir; zero = never.</summary>
    public TimeSpan RedisRestartEvery { get; init; } = TimeSpan.Zero;

    /// <summary>How long Redis stays down at each restart.</summary>
    public TimeSpan RedisDowntime { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Masters of a Redis Cluster on loopback instead of one Redis (0); with
    /// <see cref="RedisRestartEvery"/> each restart is a <c>kill -9</c> of a random master that has a
    /// replica, which the cluster promotes (a failover drill).
    /// </summary>
    public int RedisCluster { get; init; }

    /// <summary>Replicas of every cluster master (asynchronous, as Redis replicates).</summary>
    public int ClusterReplicas { get; init; } = 1;

    /// <summary>
    /// Once scheduling ends, the whole service (every silo and the gateway) is stopped (SIGTERM) and
    /// kept down this long, so that what falls due meanwhile is overdue when it returns; zero = never.
    /// </summary>
    public TimeSpan Outage { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Store faults: every silo and the gateway reach Redis through a fault proxy of their own, and
    /// this often one fault goes into a random ready silo's proxy, alternating: the reply to its next
    /// slot append or commit is dropped after Redis ran it (the silo's connection is reset), then its
    /// replies are delayed by <see cref="StoreDelayMin"/>..<see cref="StoreDelayMax"/> for 1–3 s. Zero = off (direct
    /// connections).
    /// </summary>
    public TimeSpan StoreFaults { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Clock steps: every silo runs under libfaketime with a timestamp file of its own, and about this
    /// often (at a random moment in each interval) one ready silo's wall clock steps ±3 s; the silo is
    /// expected to leave (exit 75), and is started again with its clock back at +0. Zero = off.
    /// </summary>
    public TimeSpan ClockSteps { get; init; } = TimeSpan.Zero;

    /// <summary>Shortest reply delay of a store delay fault.</summary>
    public TimeSpan StoreDelayMin { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest reply delay of a store delay fault.</summary>
    public TimeSpan StoreDelayMax { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>
    /// Every message carries an idempotency key, and a request answered 503, broken or timed out is
    /// sent again with the same keys until it is answered or this long after its first attempt. Zero:
    /// no keys, no retries (each request is sent once).
    /// </summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Redis <c>appendfsync</c>: <c>always</c> (nothing acknowledged is lost) or <c>everysec</c>.</summary>
    public string AppendFsync { get; init; } = "always";

    /// <summary>
    /// Messages per request: 0 sends single <c>POST /echoAtTime</c>, N sends <c>POST /echoAtTime/batch</c> of N.
    /// </summary>
    public int Batch { get; init; }

    /// <summary>Requests in flight at most.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>A request that has no answer after this is counted as a timeout (not accepted).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Due times are drawn uniformly from [now + DueMin, now + DueMax] when the request is sent.</summary>
    public TimeSpan DueMin { get; init; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="DueMin"/>
    public TimeSpan DueMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Fraction of messages that reuse the exact due millisecond of a recent message (ties by acceptance order).
    /// </summary>
    public double SharedDue { get; init; } = 0.2;

    /// <summary>
    /// After the last accepted message is due, wait at most this long for every accepted message to print.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A (re)started silo or gateway that is not ready (<c>GET /health/ready</c> = 200) after this is a failed start.
    /// </summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Which build of Silo and Gateway to run: <c>src/*/bin/{Configuration}/net10.0</c>.</summary>
    public string Configuration { get; init; } = BuiltService.Configuration;

    /// <summary>
    /// The checkout holding EchoAtTime.sln; null finds it above this assembly or the current directory.
    /// </summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Where Redis data, per-process stdout/stderr logs go; null makes a fresh temp dir.</summary>
    public string? WorkDir { get; init; }

    /// <summary>Keep the work dir even when the run passes (it is always kept when it fails).</summary>
    public bool KeepWorkDir { get; init; }

    /// <summary>
    /// Extra configuration for every silo and the gateway, passed as <c>--Key=Value</c> (e.g.
    /// <c>Orleans:Membership:ProbeTimeout</c>).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];

    /// <summary>Seed of every random choice (due times, which silo dies); null picks one and reports it.</summary>
    public int? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that makes no sense.</summary>
    public void Validate()
    {
        Require(Silos >= 1, "--silos must be at least 1");
        Require(Messages >= 1, "--messages must be at least 1");
        Require(Schedules >= 0, "--schedules must be 0 or more");
        Require(OccurrenceCheck.TryParse(ScheduleCron, out _), "--schedule-cron must be a cron of five fields, or six with seconds first");
        Require(Duration > TimeSpan.Zero, "--duration must be positive");
        Require(KillEvery >= TimeSpan.Zero && RedisRestartEvery >= TimeSpan.Zero, "intervals must not be negative");
        Require(RestartDelay >= TimeSpan.Zero && RedisDowntime >= TimeSpan.Zero && Outage >= TimeSpan.Zero, "delays must not be negative");
        Require(StoreFaults >= TimeSpan.Zero && RetryFor >= TimeSpan.Zero, "--store-faults and --retry-for must not be negative");
        Require(ClockSteps >= TimeSpan.Zero, "--clock-steps must not be negative");
        Require(StoreDelayMin >= TimeSpan.Zero && StoreDelayMax >= StoreDelayMin, "--store-delay needs 0 <= min <= max");
        Require(AppendFsync is "always" or "everysec" or "no", "--appendfsync must be always, everysec or no");
        Require(Batch is >= 0 and <= 1000, "--batch must be 0 (single requests) or 1..1000");
        Require(Concurrency >= 1, "--concurrency must be at least 1");
        Require(RequestTimeout > TimeSpan.Zero && StartTimeout > TimeSpan.Zero && DrainTimeout >= TimeSpan.Zero, "timeouts must be positive");
        Require(DueMin >= TimeSpan.Zero && DueMax >= DueMin, "--due-min/--due-max must satisfy 0 <= min <= max");
        Require(SharedDue is >= 0 and <= 1, "--shared-due must be a fraction in [0, 1]");
        Require(Configuration.Length > 0, "--config must name a build configuration");
        Require(RedisCluster is 0 or >= 3, "--redis-cluster needs at least 3 masters (Redis Cluster's minimum), or 0 for one Redis");
        Require(ClusterReplicas >= 0 && (RedisCluster == 0 || RedisRestartEvery == TimeSpan.Zero || ClusterReplicas >= 1), "--cluster-replicas must be at least 1 for a failover drill");
        Require(RedisCluster == 0 || StoreFaults == TimeSpan.Zero, "--store-faults proxies one Redis; it does not run with --redis-cluster");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
