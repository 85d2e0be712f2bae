using System.CommandLine;
using EchoAtTime.Simulate.Schedules;

namespace EchoAtTime.Simulate;

/// <summary>The simulator's command line; <c>--help</c> is the manual of the options.</summary>
internal sealed class SimulateCommandLine
{
    public readonly Option<long> Schedules = new("--schedules") { Description = "schedules to run (CsCheck iterations; a failure is shrunk within them)", DefaultValueFactory = _ => 100 };
    public readonly Option<int> Seconds = new("--seconds") { Description = "run schedules for this many seconds instead of a number of them (CI's fixed budget)" };
    public readonly Option<string[]> Seeds = new("--seed")
    {
        Description = "replay the one schedule of this CsCheck seed, as a failure printed it; repeated, each in turn on the one store",
        AllowMultipleArgumentsPerToken = false,
    };
    public readonly Option<string> FaultNames = new("--faults")
    {
        Description = "comma-separated: reply, request, crash, duplicate, clock, retention, loss, mail; or all, none",
        DefaultValueFactory = _ => "all",
    };

    public readonly Option<string?> Store = new("--store") { Description = "redis or garnet (default: redis-server when on PATH, else Garnet; ECHO_TEST_STORE)" };
    public readonly Option<int> MaxSteps = new("--max-steps") { Description = "longest schedule drawn", DefaultValueFactory = _ => 80 };
    public readonly Option<bool> Trace = new("--trace") { Description = "print every step of a replayed schedule (with --seed)" };

    public readonly Option<bool> Strict = new("--strict") { Description = "also count a needless reload (a commit refused as after a store restart that did not happen) as a violation" };

    public RootCommand Root => new("Seeded simulator of the slot protocol (issue 25): real product code, real store, every interleaving a step.")
    {
        Schedules, Seconds, Seeds, FaultNames, Store, MaxSteps, Trace, Strict,
    };

    public static Faults ParseFaults(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Aggregate(Faults.None, (all, name) => all | (name.ToLowerInvariant() switch
        {
            "all" => Faults.All,
            "none" => Faults.None,
            var other => Enum.TryParse<Faults>(other, ignoreCase: true, out var one) ? one : throw new ArgumentException($"--faults: no fault named '{other}'."),
        }));
}
