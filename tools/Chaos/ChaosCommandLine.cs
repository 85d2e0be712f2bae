using System.Globalization;

namespace EchoAtTime.Chaos;

/// <summary>Parses <c>--name value</c> / <c>--name=value</c> arguments into <see cref="ChaosOptions"/> and a report path.</summary>
public static class ChaosCommandLine
{
    public const string DefaultReportPath = "chaos-report.json";

    public static string Usage => $"""
        Usage: EchoAtTime.Chaos [options]     (tools/chaos.sh builds Release and runs this)
          --silos N               silo processes                                   (3)
          --gateway true|false    also run the gateway and send through it         (true)
          --messages N            messages to schedule                             (50000)
          --duration S            seconds of scheduling, at an even rate           (180)
          --kill-every S          kill -9 a random silo and restart it; 0 = off    (10)
          --restart-delay S       seconds a killed silo stays down                 (0)
          --redis-restart-every S kill -9 Redis and restart it; 0 = off            (0)
          --redis-downtime S      seconds Redis stays down at each restart         (0)
          --store-faults S        every S s a fault into a random silo's Redis proxy; 0 = off  (0)
                                  alternating: drop the reply to its next slot append/commit; delay its replies for 1-3 s
          --store-delay MIN-MAX   reply delay of a delay fault, ms                 (200-1000)
          --retry-for S           idempotency keys; retry 503/broken/timed-out requests with the same keys for S; 0 = no keys, no retries (30)
          --appendfsync MODE      Redis appendfsync: always | everysec | no        (always)
          --batch N               0 = single POST /echoAtTime; N = batches of N    (0)
          --concurrency N         requests in flight                               (8)
          --request-timeout S     a request unanswered after this is a timeout     (10)
          --due-min S, --due-max S  due time drawn from now + [min, max] seconds   (1, 10)
          --shared-due F          fraction reusing a recent message's due ms       (0.2)
          --drain-timeout S       after the last due time, wait this long at most  (60)
          --config NAME           which build to run: Release | Debug              ({ChaosOptions.BuiltConfiguration}, this tool's own)
          --set KEY=VALUE         extra setting for silos and gateway (repeatable), e.g. --set Orleans:Membership:ProbeTimeout=00:00:02
          --report PATH           JSON report                                      ({DefaultReportPath})
          --work-dir DIR          keep Redis data and process logs here            (a temp dir, deleted after a passing run)
          --keep true|false       keep the temp work dir even when the run passes  (false)
          --seed N                seed of every random choice                      (random, reported)
        Exit code: 0 when nothing was lost, duplicated without the flag, printed out of order, early or
        mismatched; 1 otherwise; 2 for bad arguments or a run that could not be carried out.
        """;

    /// <summary>Throws <see cref="ArgumentException"/> with a readable message for anything it does not understand.</summary>
    public static (ChaosOptions Options, string ReportPath, bool Help) Parse(IReadOnlyList<string> args)
    {
        var options = new ChaosOptions();
        var reportPath = DefaultReportPath;
        var settings = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                return (options, reportPath, true);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name, value;
            if (equals > 0 && !arg.StartsWith("--set=", StringComparison.Ordinal))
            {
                (name, value) = (arg[2..equals], arg[(equals + 1)..]);
            }
            else if (arg.StartsWith("--set=", StringComparison.Ordinal))
            {
                (name, value) = ("set", arg["--set=".Length..]);
            }
            else
            {
                name = arg[2..];
                value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"--{name} needs a value.");
            }

            options = name switch
            {
                "silos" => options with { Silos = Int(name, value) },
                "gateway" => options with { Gateway = Bool(name, value) },
                "messages" => options with { Messages = Int(name, value) },
                "duration" => options with { Duration = Seconds(name, value) },
                "kill-every" => options with { KillEvery = Seconds(name, value) },
                "restart-delay" => options with { RestartDelay = Seconds(name, value) },
                "redis-restart-every" => options with { RedisRestartEvery = Seconds(name, value) },
                "redis-downtime" => options with { RedisDowntime = Seconds(name, value) },
                "store-faults" => options with { StoreFaults = Seconds(name, value) },
                "store-delay" => StoreDelay(options, name, value),
                "retry-for" => options with { RetryFor = Seconds(name, value) },
                "appendfsync" => options with { AppendFsync = value.ToLowerInvariant() },
                "batch" => options with { Batch = Int(name, value) },
                "concurrency" => options with { Concurrency = Int(name, value) },
                "request-timeout" => options with { RequestTimeout = Seconds(name, value) },
                "due-min" => options with { DueMin = Seconds(name, value) },
                "due-max" => options with { DueMax = Seconds(name, value) },
                "shared-due" => options with { SharedDue = Double(name, value) },
                "drain-timeout" => options with { DrainTimeout = Seconds(name, value) },
                "config" => options with { Configuration = value },
                "work-dir" => options with { WorkDir = value },
                "keep" => options with { KeepWorkDir = Bool(name, value) },
                "seed" => options with { Seed = Int(name, value) },
                "set" => AddSetting(options, settings, value),
                "report" => SetReport(options, ref reportPath, value),
                _ => throw new ArgumentException($"Unknown option --{name}."),
            };
        }

        options.Validate();
        return (options, reportPath, false);
    }

    private static ChaosOptions AddSetting(ChaosOptions options, List<KeyValuePair<string, string>> settings, string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"--set needs KEY=VALUE, got '{value}'.");
        }

        settings.Add(new(value[..equals], value[(equals + 1)..]));
        return options with { Settings = [.. settings] };
    }

    /// <summary><c>MIN-MAX</c> in ms, or one number for a fixed delay.</summary>
    private static ChaosOptions StoreDelay(ChaosOptions options, string name, string value)
    {
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        var (min, max) = dash > 0 ? (value[..dash], value[(dash + 1)..]) : (value, value);
        return options with { StoreDelayMin = TimeSpan.FromMilliseconds(Double(name, min)), StoreDelayMax = TimeSpan.FromMilliseconds(Double(name, max)) };
    }

    private static ChaosOptions SetReport(ChaosOptions options, ref string reportPath, string value)
    {
        reportPath = value;
        return options;
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"--{name} needs an integer, got '{value}'.");

    private static double Double(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new ArgumentException($"--{name} needs a number, got '{value}'.");

    private static TimeSpan Seconds(string name, string value) => TimeSpan.FromSeconds(Double(name, value));

    private static bool Bool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "1" => true,
        "false" or "no" or "0" => false,
        _ => throw new ArgumentException($"--{name} needs true or false, got '{value}'."),
    };
}
