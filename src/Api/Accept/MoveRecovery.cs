using EchoAtTime.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// Every <see cref="EchoOptions.SweepInterval"/>, finishes or calls off the reschedules whose requests
/// died in the middle (<see cref="MessageMover.RecoverOnceAsync"/>). Every process with the API runs
/// it; two that meet the same move finish it once between them (the arrival is keyed).
/// </summary>
public sealed partial class MoveRecovery(MessageMover mover, IOptions<EchoOptions> options, TimeProvider clock, ILogger<MoveRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (await mover.RecoverOnceAsync() is > 0 and var recovered)
                    {
                        LogRecovered(recovered);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is away; the intents wait for the next round.
                    LogRecoveryFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Finished or called off {Count} reschedules whose requests did not finish them")]
    private partial void LogRecovered(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovering unfinished reschedules failed; trying again next round")]
    private partial void LogRecoveryFailed(Exception exception);
}
