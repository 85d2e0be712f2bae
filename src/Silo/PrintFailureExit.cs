using EchoAtTime.Grains.Clock;
using EchoAtTime.Grains.Output;
using EchoAtTime.Storage.Clock;

namespace EchoAtTime.Silo;

/// <summary>
/// Takes the silo out of the cluster once it cannot print: its console is given up, or its clock
/// went beyond <c>Echo:MaxClockSkew</c> of the store's. Such a silo still owns slots, and order holds
/// every later minute behind them. Stopping the host makes Orleans move those slot grains to the
/// other silos, which print an unconfirmed batch again, flagged. The exit code is non-zero so a
/// supervisor sees a failure, not a clean stop.
/// </summary>
public sealed partial class PrintFailureExit(ConsoleHealth console, ClusterClock clock, IHostApplicationLifetime lifetime, ILogger<PrintFailureExit> logger) : BackgroundService
{
    /// <summary>Process exit code after leaving for a console failure (EX_IOERR).</summary>
    public const int ExitCode = 74;

    /// <summary>
    /// Process exit code after leaving for a clock beyond the bound (EX_TEMPFAIL: fix the clock, start again).
    /// </summary>
    public const int ClockExitCode = 75;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task<string> first;
        try
        {
            first = await Task.WhenAny(console.Failure, clock.OutOfBound).WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var (what, code) = first == console.Failure ? ("Console given up", ExitCode) : ("Clock out of bound", ClockExitCode);
        var problem = await first;
        LogLeaving(what, problem, code);
        Environment.ExitCode = code;
        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{What}: {Problem}. This silo prints nothing more and is leaving the cluster so other silos print its slots; exit code {ExitCode}")]
    private partial void LogLeaving(string what, string problem, int exitCode);
}
