using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// The bench tool's command line (System.CommandLine). <c>--smoke</c> picks the tiny base sizes of
/// <see cref="BenchOptions.SmokeDefaults"/>; any option given explicitly still wins, wherever it stands.
/// <c>--help</c> is the manual of the options.
/// </summary>
public sealed class BenchCommandLine
{
    private readonly Option<int[]> _silos = IntList("--silos", "silo counts; each scenario runs once per count (default 1,2; --smoke: 1)");
    private readonly Option<string> _scenarios = new("--scenarios")
    {
        Description = $"comma-separated: {string.Join(", ", BenchScenarios.Names)}, or a group (schedule, lateness, scale) (default: all; --smoke: all but scale)",
        HelpName = "LIST",
    };
    private readonly Option<double> _duration = Positive("--duration", "measured sending time of schedule.*, s (default 10; --smoke: 1)", "S");
    private readonly Option<int> _drainMessages = new("--drain-messages") { Description = "messages of the drain scenario (default 100000; --smoke: 200)", HelpName = "N" };
    private readonly Option<int> _recurringSchedules = new("--recurring-schedules") { Description = "schedules firing every second in the recurring scenario, so occurrences due per second (default 1000; --smoke: 20)", HelpName = "N" };
    private readonly Option<int> _burstMessages = new("--burst-messages") { Description = "messages due at the same ms in the burst scenario (default 20000; --smoke: 200)", HelpName = "N" };
    private readonly Option<int> _memoryMessages = new("--memory-messages") { Description = "pending messages of the memory scenario (default 100000; --smoke: 200)", HelpName = "N" };
    private readonly Option<int> _horizonMessages = new("--horizon-messages") { Description = "horizon: messages, each due in a minute of its own (default 100000; --smoke: 1000)", HelpName = "N" };
    private readonly Option<int[]> _scaleSilos = IntList("--scale-silos", "scale: silo counts, in place of --silos (default 1,2,4; --smoke: 1,2)");
    private readonly Option<double> _scaleQuota = Positive("--scale-quota", "scale: CPU of each silo in cores, its own cgroup (needs root) (default 0.25)", "CORES");
    private readonly Option<double> _scaleSeconds = Positive("--scale-seconds", "scale: measured sending time per run, s, after a 3 s warm-up (default 15; --smoke: 1)", "S");
    private readonly Option<int> _redisCluster = new("--redis-cluster") { Description = "run on a local Redis Cluster of this many masters, no replicas (default 0: one redis-server)", HelpName = "M" };
    private readonly Option<string> _appendFsync = new("--appendfsync") { Description = "Redis appendfsync: always (default), everysec, or off (no persistence, as tools/peer-bench.sh runs BullMQ)" };
    private readonly Option<string> _report = new("--report") { Description = "JSON report (default bench-report.json)", HelpName = "PATH" };
    private readonly Option<bool> _keep = new("--keep") { Description = "keep the work dir: store data, silo stdout/stderr (default: deleted unless a check failed)" };
    private readonly Option<string> _workDir = new("--work-dir") { Description = "where that goes (default /tmp/echo-bench-<guid>)", HelpName = "DIR" };
    private readonly Option<bool> _smoke = new("--smoke") { Description = "tiny sizes for CI: 1 s, 200 messages, one silo" };
    private readonly Option<int> _seed = new("--seed") { Description = "seed of the random due times (default: random, reported)", HelpName = "N" };
    private readonly Option<string> _config = new("--config") { Description = "which Silo build to run: Release | Debug (default: this tool's own)", HelpName = "NAME" };

    public BenchCommandLine()
    {
        _appendFsync.AcceptOnlyFromAmong("always", "everysec", StoreProcess.NoPersistence);
        Command = new Command(
            "bench",
            "Benchmarks EchoAtTime. Every scenario starts its own store and silos; lateness and burst first have them print 256 warm-up " +
            "messages (left out of the figures), drain measures a cold restart on purpose. scale runs on its own silo counts, each silo in " +
            "a CPU cgroup, and reports accepted/s and the scaling efficiency T(N)/(N·T(1)) per workload (due over an hour, or in one hot " +
            "minute), checked against what the store holds; its picture goes next to the report (<report>.scale.png). Figures: table on " +
            "stdout, JSON in the report; progress on stderr. Exit code: 0 when every scenario ran and nothing was lost, duplicated, printed " +
            "out of order or early; 1 when an invariant broke; 2 for bad arguments or a run that could not be carried out.")
        {
            _silos, _scenarios, _duration, _drainMessages, _recurringSchedules, _burstMessages, _memoryMessages, _horizonMessages, _scaleSilos, _scaleQuota,
            _scaleSeconds, _redisCluster, _appendFsync, _report, _keep, _workDir, _smoke, _seed, _config,
        };
    }

    /// <summary>The <c>bench</c> verb of tools/Drills.</summary>
    public Command Command { get; }

    /// <summary>
    /// The options a parse without errors asks for; throws <see cref="ArgumentException"/> for values that make no
    /// sense.
    /// </summary>
    public BenchOptions Read(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var options = result.GetValue(_smoke) ? BenchOptions.SmokeDefaults : new BenchOptions();
        options = With(result, _keep, options, v => options with { Keep = v });
        options = With(result, _silos, options, v => options with { SiloCounts = v });
        options = With(result, _scenarios, options, v => options with { Scenarios = BenchScenarios.Select(v) });
        options = With(result, _duration, options, v => options with { Duration = TimeSpan.FromSeconds(v) });
        options = With(result, _drainMessages, options, v => options with { DrainMessages = v });
        options = With(result, _recurringSchedules, options, v => options with { RecurringSchedules = v });
        options = With(result, _burstMessages, options, v => options with { BurstMessages = v });
        options = With(result, _memoryMessages, options, v => options with { MemoryMessages = v });
        options = With(result, _horizonMessages, options, v => options with { HorizonMessages = v });
        options = With(result, _scaleSilos, options, v => options with { ScaleSilos = v });
        options = With(result, _scaleQuota, options, v => options with { ScaleQuota = v });
        options = With(result, _scaleSeconds, options, v => options with { ScaleDuration = TimeSpan.FromSeconds(v) });
        options = With(result, _redisCluster, options, v => options with { RedisCluster = v });
        options = With(result, _appendFsync, options, v => options with { AppendFsync = v });
        options = With(result, _report, options, v => options with { ReportPath = v });
        options = With(result, _workDir, options, v => options with { WorkDir = v });
        options = With(result, _seed, options, v => options with { Seed = v });
        options = With(result, _config, options, v => options with { Configuration = v });
        options.Validate();
        return options;
    }

    // Only what was given on the command line replaces the base (the defaults, or --smoke's).
    private static BenchOptions With<T>(ParseResult result, Option<T> option, BenchOptions options, Func<T, BenchOptions> apply) =>
        result.GetResult(option) is { Implicit: false } ? apply(result.GetValue(option)!) : options;

    private static Option<int[]> IntList(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "LIST",
        CustomParser = argument =>
        {
            var text = argument.Tokens.Count == 1 ? argument.Tokens[0].Value : "";
            var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var values = parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int?)null).ToArray();
            if (values.Length == 0 || values.Any(v => v is null))
            {
                argument.AddError($"{name} needs comma-separated integers, got '{text}'.");
                return [];
            }

            return [.. values.Select(v => v!.Value)];
        },
    };

    private static Option<double> Positive(string name, string description, string helpName)
    {
        var option = new Option<double>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (> 0 and < double.PositiveInfinity))
            {
                result.AddError($"{name} needs a positive number, got '{string.Join(' ', result.Tokens.Select(t => t.Value))}'.");
            }
        });
        return option;
    }
}
