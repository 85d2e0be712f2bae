using System.Diagnostics;
using System.Globalization;
using CsCheck;
using EchoAtTime.Simulate;
using EchoAtTime.Simulate.Schedules;
using EchoAtTime.Simulate.World;

var commandLine = new SimulateCommandLine();
// No await in here: the rest of Main would run on a pool thread, and the simulator needs the pool to itself.
var (parsed, exitNow) = ToolCommandLine.ParseAsync(commandLine.Root, args, "simulate").GetAwaiter().GetResult();
if (exitNow is { } code)
{
    return code;
}

var faults = SimulateCommandLine.ParseFaults(parsed.GetValue(commandLine.FaultNames)!);
var seeds = parsed.GetValue(commandLine.Seeds) ?? [];
var kind = parsed.GetValue(commandLine.Store)?.ToLowerInvariant() switch
{
    null => StoreProcess.DefaultKind == StoreKind.RedisCluster ? StoreKind.Redis : StoreProcess.DefaultKind,
    "redis" => StoreKind.Redis,
    "garnet" => StoreKind.Garnet,
    var other => throw new ArgumentException($"--store {other}: redis or garnet"),
};

using var store = StoreHost.StartAsync(kind).GetAwaiter().GetResult();
Console.Error.WriteLine($"{StoreProcess.Describe(kind)}; faults: {faults}");
var run = new SimulationRun(store, faults, parsed.GetValue(commandLine.MaxSteps), parsed.GetValue(commandLine.Trace), parsed.GetValue(commandLine.Strict));
var clock = Stopwatch.StartNew();
if (seeds.Length == 0)
{
    run.Run(null, parsed.GetValue(commandLine.Schedules), parsed.GetValue(commandLine.Seconds));
}

// Seeds replayed one after another on the one store: a process and a store start, not one per seed.
foreach (var seed in seeds)
{
    run.Run(seed, 1);
}

if (run.FirstViolationAt is { } first)
{
    Console.Error.WriteLine($"first violation at schedule {first}");
}

Console.Error.WriteLine($"accepted ids {run.Accepted}, printed lines {run.Printed}, needless reloads {run.Reloads}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"schedules={run.Schedules} violations={run.Violations} seconds={clock.Elapsed.TotalSeconds:F1}"));
return run.Violations == 0 ? 0 : 1;
