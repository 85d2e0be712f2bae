using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Schedules;

/// <summary>
/// Every <see cref="EchoOptions.SweepInterval"/>, one <see cref="ScheduleMaterializer.RunOnceAsync"/>: every process
/// with the API (silos and gateways) runs it, so schedules materialise while any of them is up. A round that claimed a
/// full page goes on at once.
/// </summary>
public sealed partial class ScheduleLoop(ScheduleMaterializer materializer, IOptions<EchoOptions> options, TimeProvider clock, ILogger<ScheduleLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ScheduleLeaseFitsTheWindow)
        {
            LogLeaseBeyondWindow(options.Value.ScheduleLease, options.Value.ScheduleWindow, options.Value.SweepInterval);
        }

        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    while (await materializer.RunOnceAsync() >= ScheduleMaterializer.ClaimsPerRound && !stoppingToken.IsCancellationRequested)
                    {
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is away; the claims wait for the next round.
                    LogRoundFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Echo:ScheduleLease {Lease} is longer than Echo:ScheduleWindow {Window} less two Echo:SweepInterval {Sweep}: a materialiser killed mid-way leaves its schedule's next occurrences late")]
    private partial void LogLeaseBeyondWindow(TimeSpan lease, TimeSpan window, TimeSpan sweep);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Materialising schedules failed; trying again next round")]
    private partial void LogRoundFailed(Exception exception);
}
