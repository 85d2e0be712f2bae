using EchoAtTime.Storage.Clock;
using StackExchange.Redis;

namespace EchoAtTime.Gateway;

/// <summary>
/// Keeps the gateway's <see cref="ClusterClock"/> measured against the store (<see cref="ClockRefreshLoop"/>), so the
/// write path places a message due "now" by the cluster's one clock, not by this machine's (<c>AcceptClock</c>). A
/// gateway prints nothing, so a clock beyond the bound does not take it out of service: its writes are placed by the
/// corrected reading, and the store refuses minutes that are over by its own clock whatever a writer's clock says.
/// It is logged, once each way, because the machine's time synchronisation needs fixing.
/// </summary>
public sealed partial class GatewayClockSync(ClusterClock clock, IConnectionMultiplexer redis, ILogger<GatewayClockSync> logger) : BackgroundService
{
    private readonly StoreClockProbe _probe = new(ct => StoreTime.ReadAsync(redis, ct));
    private ClockState? _reported;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await MeasureOnceAsync(stoppingToken);
        await ClockRefreshLoop.RunAsync(clock, MeasureOnceAsync, stoppingToken);
    }

    private async Task<bool> MeasureOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            clock.Update(await _probe.MeasureAsync(clock, cancellationToken));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException or FormatException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogMeasurementFailed(ex);
            return false;
        }

        var state = clock.State;
        if (state != _reported)
        {
            _reported = state;
            var description = clock.Describe();
            if (state == ClockState.Bounded)
            {
                LogBounded(description);
            }
            else
            {
                LogUnbounded(description);
            }
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Description}: this gateway places messages due now by the store's clock")]
    private partial void LogBounded(string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Description}: this gateway still places messages due now by the store's clock; fix this machine's time synchronisation (NTP)")]
    private partial void LogUnbounded(string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Measuring the store's clock failed; retrying")]
    private partial void LogMeasurementFailed(Exception exception);
}
