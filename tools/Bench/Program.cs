using EchoAtTime.Bench;

// The table goes to stdout, progress and errors to stderr, the figures also to the JSON report.
// Exit code: 0 every scenario ran and every invariant held; 1 an invariant broke; 2 bad arguments or
// a run that could not be carried out.

// Socket completions run on the epoll thread instead of hopping to the thread pool: the load's
// per-request work is a few microseconds, and the hop cost about a third of the tool's CPU (measured:
// 35% → 25% of a core at ~17k requests/s), CPU the silos need. Read once, when the first socket is
// made, so it must be set before that. The silos do not inherit it (BenchRun unsets it).
Environment.SetEnvironmentVariable(BenchRun.InlineCompletionsVariable, "1");

var commandLine = new BenchCommandLine();
var (parsed, exitNow) = await ToolCommandLine.ParseAsync(commandLine.Root, args, "bench");
if (exitNow is { } code)
{
    return code;
}

BenchOptions options;
try
{
    options = commandLine.Read(parsed);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}{Environment.NewLine}bench: see --help");
    return ToolCommandLine.BadArguments;
}

using var signals = new StopSignals();
var run = new BenchRun(options, line => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {line}"));
BenchReport report;
try
{
    report = await run.RunAsync(signals.Token);
}
catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or OperationCanceledException)
{
    await Console.Error.WriteLineAsync("bench: the run could not be carried out: " + ex.Message);
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

if (report.Runs.Any(r => r.Error is not null))
{
    return 2;
}

return report.Passed ? 0 : 1;
