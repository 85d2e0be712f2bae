using System.CommandLine;
using EchoAtTime.Bench;
using EchoAtTime.Chaos;
using EchoAtTime.Drills;

// One tool, two verbs: bench (figures) and chaos (faults). The table goes to stdout, progress and errors to stderr,
// everything also to the JSON report. Exit code: 0 the run was carried out and every invariant held; 1 an invariant
// broke; 2 bad arguments or a run that could not be carried out.
var bench = new BenchCommandLine();
var chaos = new ChaosCommandLine();
var root = new RootCommand("EchoAtTime's drills: the service as real processes on loopback, measured (bench) or broken (chaos).")
{
    bench.Command,
    chaos.Command,
};
var (parsed, exitNow) = await ToolCommandLine.ParseAsync(root, args, "drills");
if (exitNow is { } code)
{
    return code;
}

// The root has no action: a parse without errors named a verb.
var verb = parsed.CommandResult.Command;
try
{
    return verb == bench.Command ? await BenchAsync(bench.Read(parsed)) : await ChaosAsync(chaos.Read(parsed));
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}{Environment.NewLine}drills {verb.Name}: see --help");
    return ToolCommandLine.BadArguments;
}

static async Task<int> BenchAsync(BenchOptions options)
{
    // Socket completions run on the epoll thread instead of hopping to the thread pool: the load's per-request work is
    // a few microseconds, and the hop cost about a third of the tool's CPU (measured: 35% → 25% of a core at ~17k
    // requests/s), CPU the silos need. Read once, when the first socket is made, so it must be set before that. The
    // silos do not inherit it (BenchRun unsets it).
    Environment.SetEnvironmentVariable(BenchRun.InlineCompletionsVariable, "1");
    var report = await CarryOutAsync("bench", token => new BenchRun(options, line => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {line}")).RunAsync(token));
    if (report is null)
    {
        return 2;
    }

    Console.Write(BenchTable.Format(report));
    await BenchReportJson.WriteAsync(report, options.ReportPath);
    Console.WriteLine("report: " + Path.GetFullPath(options.ReportPath));
    try
    {
        if (ScalePlot.Write(report, options.ReportPath) is { } picture)
        {
            Console.WriteLine("scale picture: " + picture);
        }
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
    {
        // SkiaSharp's native library is restored with the package; this is a broken install, not a finding.
        await Console.Error.WriteLineAsync("bench: the scale picture could not be drawn: " + ex.Message);
        return 2;
    }

    return report.Runs.Any(r => r.Error is not null) ? 2 : report.Passed ? 0 : 1;
}

static async Task<int> ChaosAsync((ChaosOptions Options, string ReportPath) chaos)
{
    var report = await CarryOutAsync("chaos", token => new ChaosRun(chaos.Options, line => Console.Error.WriteLine(line)).RunAsync(token));
    if (report is null)
    {
        return 2;
    }

    Console.Write(ReportTable.Format(report));
    await ReportJson.WriteAsync(report, chaos.ReportPath);
    Console.WriteLine($"report: {Path.GetFullPath(chaos.ReportPath)}");
    return report.Passed ? 0 : 1;
}

// Ctrl+C or SIGTERM cancels the run, which still stops every process it started; a run that could not be carried
// out says why and has no report.
static async Task<T?> CarryOutAsync<T>(string verb, Func<CancellationToken, Task<T>> run)
    where T : class
{
    using var signals = new StopSignals();
    try
    {
        return await run(signals.Token);
    }
    catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or TimeoutException or OperationCanceledException)
    {
        await Console.Error.WriteLineAsync($"{verb}: the run could not be carried out: {ex.Message}");
        return null;
    }
}
