using System.Runtime.InteropServices;
using EchoAtTime.Chaos;

// Figures go to stdout (the table); progress and errors to stderr. Exit: 0 pass, 1 violations, 2 could not run.
var commandLine = new ChaosCommandLine();
var (parsed, exitNow) = await ToolCommandLine.ParseAsync(commandLine.Root, args, "chaos");
if (exitNow is { } code)
{
    return code;
}

ChaosOptions options;
string reportPath;
try
{
    (options, reportPath) = commandLine.Read(parsed);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}\nchaos: see --help");
    return ToolCommandLine.BadArguments;
}

// Ctrl+C or SIGTERM cancels the run, which still stops every process it started.
using var cancel = new CancellationTokenSource();
void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

ChaosReport report;
try
{
    report = await new ChaosRun(options, line => Console.Error.WriteLine(line)).RunAsync(cancel.Token);
}
catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or TimeoutException or OperationCanceledException)
{
    await Console.Error.WriteLineAsync($"chaos: the run could not be carried out: {ex.Message}");
    return 2;
}

Console.Write(ReportTable.Format(report));
await ReportJson.WriteAsync(report, reportPath);
Console.WriteLine($"report: {Path.GetFullPath(reportPath)}");
return report.Passed ? 0 : 1;
