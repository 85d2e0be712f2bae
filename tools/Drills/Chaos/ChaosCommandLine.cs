using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EchoAtTime.Chaos;

/// <summary>
/// The chaos tool's command line (System.CommandLine): every option of <see cref="ChaosOptions"/>,
/// its default taken from there, and the report path. <c>--help</c> is the manual of the options.
/// </summary>
public sealed class ChaosCommandLine
{
    public const string DefaultReportPath = "chaos-report.json";

    private static readonly ChaosOptions Defaults = new();

    private readonly Option<int> _silos = new("--silos") { Description = "silo processes", DefaultValueFactory = _ => Defaults.Silos };
    private readonly Option<bool> _gateway = new("--gateway") { Description = "also run the gateway and send through it", DefaultValueFactory = _ => Defaults.Gateway };
    private readonly Option<int> _messages = new("--messages") { Description = "messages to schedule", DefaultValueFactory = _ => Defaults.Messages };
    private readonly Option<int> _schedules = new("--schedules") { Description = "recurring schedules running through the chaos, deleted at the end; each occurrence checked", DefaultValueFactory = _ => Defaults.Schedules };
    private readonly Option<string> _scheduleCron = new("--schedule-cron") { Description = "their cron (UTC), six fields with seconds first", DefaultValueFactory = _ => Defaults.ScheduleCron };
    private readonly Option<double> _duration = Seconds("--duration", "seconds of scheduling, at an even rate", Defaults.Duration);
    private readonly Option<double> _killEvery = Seconds("--kill-every", "kill -9 a random silo and restart it; 0 = off", Defaults.KillEvery);
    private readonly Option<double> _restartDelay = Seconds("--restart-delay", "seconds a killed silo stays down", Defaults.RestartDelay);
    private readonly Option<double> _redisRestartEvery = Seconds("--redis-restart-every", "kill -9 the store and restart it; 0 = off", Defaults.RedisRestartEvery);
    private readonly Option<double> _redisDowntime = Seconds("--redis-downtime", "seconds the store stays down at each restart", Defaults.RedisDowntime);
    private readonly Option<int> _redisCluster = new("--redis-cluster")
    {
        Description = "N masters of a Redis Cluster on loopback instead of one Redis (0); --redis-restart-every then kills a random master (failover drill)",
        DefaultValueFactory = _ => Defaults.RedisCluster,
    };
    private readonly Option<int> _clusterReplicas = new("--cluster-replicas") { Description = "replicas per cluster master", DefaultValueFactory = _ => Defaults.ClusterReplicas };
    private readonly Option<double> _outage = Seconds(
        "--outage", "once scheduling ends, stop every silo and the gateway (SIGTERM) for S seconds, then start them again; 0 = off", Defaults.Outage);
    private readonly Option<double> _storeFaults = Seconds(
        "--store-faults", "every S s a fault into a random silo's Redis proxy, alternating: drop the reply to its next slot append/commit; delay its replies for 1-3 s; 0 = off", Defaults.StoreFaults);
    private readonly Option<double> _clockSteps = Seconds(
        "--clock-steps", "about every S s (at a random moment) a random silo's wall clock steps +3 s or -3 s (libfaketime, which must be installed); "
        + "it is expected to leave (exit 75) and is restarted with its clock back; 0 = off", Defaults.ClockSteps);
    private readonly Option<(double Min, double Max)> _storeDelay = new("--store-delay")
    {
        Description = "reply delay of a delay fault, ms: MIN-MAX, or one number",
        HelpName = "MIN-MAX",
        DefaultValueFactory = _ => (Defaults.StoreDelayMin.TotalMilliseconds, Defaults.StoreDelayMax.TotalMilliseconds),
        CustomParser = ParseRange,
    };
    private readonly Option<double> _retryFor = Seconds(
        "--retry-for", "idempotency keys; retry 503/broken/timed-out requests with the same keys for S; 0 = no keys, no retries", Defaults.RetryFor);
    private readonly Option<string> _appendFsync = new("--appendfsync") { Description = "Redis appendfsync", DefaultValueFactory = _ => Defaults.AppendFsync };
    private readonly Option<int> _batch = new("--batch") { Description = "0 = single POST /echoAtTime; N = batches of N", DefaultValueFactory = _ => Defaults.Batch };
    private readonly Option<int> _concurrency = new("--concurrency") { Description = "requests in flight", DefaultValueFactory = _ => Defaults.Concurrency };
    private readonly Option<double> _requestTimeout = Seconds("--request-timeout", "a request unanswered after this is a timeout", Defaults.RequestTimeout);
    private readonly Option<double> _dueMin = Seconds("--due-min", "due time drawn from now + [min, max] seconds: min", Defaults.DueMin);
    private readonly Option<double> _dueMax = Seconds("--due-max", "due time drawn from now + [min, max] seconds: max", Defaults.DueMax);
    private readonly Option<double> _sharedDue = new("--shared-due") { Description = "fraction reusing a recent message's due ms", DefaultValueFactory = _ => Defaults.SharedDue };
    private readonly Option<double> _drainTimeout = Seconds("--drain-timeout", "after the last due time, wait this long at most", Defaults.DrainTimeout);
    private readonly Option<string> _config = new("--config") { Description = "which build to run: Release | Debug (the default is this tool's own)", DefaultValueFactory = _ => Defaults.Configuration };
    private readonly Option<string[]> _set = new("--set")
    {
        Description = "extra setting for silos and gateway (repeatable), e.g. --set Orleans:Membership:ProbeTimeout=00:00:02",
        HelpName = "KEY=VALUE",
        DefaultValueFactory = _ => [],
    };
    private readonly Option<string> _report = new("--report") { Description = "JSON report", DefaultValueFactory = _ => DefaultReportPath };
    private readonly Option<string?> _workDir = new("--work-dir") { Description = "keep store data and process logs here (default: a temp dir, deleted after a passing run)" };
    private readonly Option<bool> _keep = new("--keep") { Description = "keep the temp work dir even when the run passes", DefaultValueFactory = _ => Defaults.KeepWorkDir };
    private readonly Option<int?> _seed = new("--seed") { Description = "seed of every random choice (default: random, reported)" };

    public ChaosCommandLine()
    {
        _appendFsync.AcceptOnlyFromAmong("always", "everysec", "no");
        Command = new Command(
            "chaos",
            "Runs silos, a gateway and a store as real processes, kills them (kill -9), can inject store faults, and checks every " +
            "accepted message: lost, unflagged duplicates, order breaks, early. Exit code: 0 when nothing was lost, duplicated " +
            "without the flag, printed out of order, early or mismatched; 1 otherwise; 2 for bad arguments or a run that could not be carried out.")
        {
            _silos, _gateway, _messages, _schedules, _scheduleCron, _duration, _killEvery, _restartDelay, _redisRestartEvery, _redisDowntime, _redisCluster, _clusterReplicas, _outage, _storeFaults, _clockSteps, _storeDelay,
            _retryFor, _appendFsync, _batch, _concurrency, _requestTimeout, _dueMin, _dueMax, _sharedDue, _drainTimeout, _config, _set,
            _report, _workDir, _keep, _seed,
        };
    }

    /// <summary>The <c>chaos</c> verb of tools/Drills.</summary>
    public Command Command { get; }

    /// <summary>
    /// The options a parse without errors asks for; throws <see cref="ArgumentException"/> for values that make no
    /// sense together.
    /// </summary>
    public (ChaosOptions Options, string ReportPath) Read(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var (delayMin, delayMax) = result.GetValue(_storeDelay);
        var options = new ChaosOptions
        {
            Silos = result.GetValue(_silos),
            Gateway = result.GetValue(_gateway),
            Messages = result.GetValue(_messages),
            Schedules = result.GetValue(_schedules),
            ScheduleCron = result.GetValue(_scheduleCron)!,
            Duration = TimeSpan.FromSeconds(result.GetValue(_duration)),
            KillEvery = TimeSpan.FromSeconds(result.GetValue(_killEvery)),
            RestartDelay = TimeSpan.FromSeconds(result.GetValue(_restartDelay)),
            RedisRestartEvery = TimeSpan.FromSeconds(result.GetValue(_redisRestartEvery)),
            RedisDowntime = TimeSpan.FromSeconds(result.GetValue(_redisDowntime)),
            RedisCluster = result.GetValue(_redisCluster),
            ClusterReplicas = result.GetValue(_clusterReplicas),
            Outage = TimeSpan.FromSeconds(result.GetValue(_outage)),
            StoreFaults = TimeSpan.FromSeconds(result.GetValue(_storeFaults)),
            ClockSteps = TimeSpan.FromSeconds(result.GetValue(_clockSteps)),
            StoreDelayMin = TimeSpan.FromMilliseconds(delayMin),
            StoreDelayMax = TimeSpan.FromMilliseconds(delayMax),
            RetryFor = TimeSpan.FromSeconds(result.GetValue(_retryFor)),
            AppendFsync = result.GetValue(_appendFsync)!,
            Batch = result.GetValue(_batch),
            Concurrency = result.GetValue(_concurrency),
            RequestTimeout = TimeSpan.FromSeconds(result.GetValue(_requestTimeout)),
            DueMin = TimeSpan.FromSeconds(result.GetValue(_dueMin)),
            DueMax = TimeSpan.FromSeconds(result.GetValue(_dueMax)),
            SharedDue = result.GetValue(_sharedDue),
            DrainTimeout = TimeSpan.FromSeconds(result.GetValue(_drainTimeout)),
            Configuration = result.GetValue(_config)!,
            Settings = [.. (result.GetValue(_set) ?? []).Select(Setting)],
            WorkDir = result.GetValue(_workDir),
            KeepWorkDir = result.GetValue(_keep),
            Seed = result.GetValue(_seed),
        };
        options.Validate();
        return (options, result.GetValue(_report)!);
    }

    private static Option<double> Seconds(string name, string description, TimeSpan fallback) =>
        new(name) { Description = description, HelpName = "S", DefaultValueFactory = _ => fallback.TotalSeconds };

    private static KeyValuePair<string, string> Setting(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 ? new(value[..equals], value[(equals + 1)..]) : throw new ArgumentException($"--set needs KEY=VALUE, got '{value}'.");
    }

    private static (double Min, double Max) ParseRange(ArgumentResult argument)
    {
        var text = argument.Tokens.Count == 1 ? argument.Tokens[0].Value : "";
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var (min, max) = dash > 0 ? (text[..dash], text[(dash + 1)..]) : (text, text);
        if (double.TryParse(min, NumberStyles.Float, CultureInfo.InvariantCulture, out var low)
            && double.TryParse(max, NumberStyles.Float, CultureInfo.InvariantCulture, out var high))
        {
            return (low, high);
        }

        argument.AddError($"--store-delay needs MIN-MAX in ms or one number, got '{text}'.");
        return default;
    }
}
