using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace EchoAtTime.Grains.Clock;

/// <summary>
/// Keeps <see cref="ClusterClock"/> measured. The first measurement runs before the silo joins the
/// cluster (so a healthy silo is bounded from its first print on); then as <see cref="ClockRefreshLoop"/> says.
/// A store that stays down keeps the last offset until it is stale; the clock then reports unbounded and
/// the silo stops printing. State changes are logged once each way, not every attempt.
/// </summary>
public sealed partial class StoreClockSync : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    // The silo waits this long at start for its first measurement, then starts unbounded (not ready, not printing) and
    // keeps trying.
    private static readonly TimeSpan FirstMeasurementTimeout = TimeSpan.FromSeconds(5);

    private readonly ClusterClock _clock;
    private readonly ILogger<StoreClockSync> _logger;
    private readonly StoreClockProbe _probe;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private bool? _reportedBounded;
    private string? _lastError;

    public StoreClockSync(ClusterClock clock, IConnectionMultiplexer redis, ILogger<StoreClockSync> logger)
        : this(clock, ct => StoreTime.ReadAsync(redis, ct), logger)
    {
    }

    /// <summary>With any source of the store's time: tests play a store whose clock jumps.</summary>
    internal StoreClockSync(ClusterClock clock, Func<CancellationToken, Task<DateTimeOffset>> readStoreTime, ILogger<StoreClockSync> logger)
    {
        _clock = clock;
        _logger = logger;
        _probe = new StoreClockProbe(readStoreTime);
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StoreClockSync), ServiceLifecycleStage.ApplicationServices, OnStartAsync, OnStopAsync);

    /// <summary>Measures once and reports a change of state; false when the store could not be read.</summary>
    public async Task<bool> MeasureOnceAsync(CancellationToken cancellationToken)
    {
        bool measured;
        try
        {
            _clock.Update(await _probe.MeasureAsync(_clock, cancellationToken).ConfigureAwait(false));
            _lastError = null;
            if (_clock.WallStep.Duration() > _clock.MaxSkew)
            {
                LogWallStepped(_clock.WallStep.TotalMilliseconds);
            }

            measured = true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException or InvalidCastException or FormatException
                                       || (ex is OperationCanceledException && !_stopping.IsCancellationRequested))
        {
            _lastError = ex.Message;
            LogMeasurementFailed(ex);
            measured = false;
        }

        Report();
        return measured;
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// The first measurement, before the silo host starts: a machine clock beyond the bound refuses the
    /// start with one critical line, and the host exits with code 1 (no exception, no stack trace). Null when
    /// the silo may start — also when the store did not answer in time: it then starts unbounded (not ready,
    /// not printing) and keeps trying.
    /// </summary>
    public async Task<string?> RefusalBeforeStartAsync(CancellationToken cancellationToken)
    {
        using (var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token))
        {
            first.CancelAfter(FirstMeasurementTimeout);
            await MeasureOnceAsync(first.Token).ConfigureAwait(false);
        }

        if (_clock.State != ClockState.OutOfBound)
        {
            return null;
        }

        // A machine clock this far off needs fixing, not hiding: refuse to join, loudly.
        var problem = $"{_clock.Describe()}. Fix this machine's time synchronisation (NTP) or raise Echo:MaxClockSkew";
        LogRefusingToStart(problem);
        return problem;
    }

    internal async Task OnStartAsync(CancellationToken cancellationToken)
    {
        // The silo host measured before it started; a host that did not (a test cluster) measures here.
        if (_clock.State == ClockState.Unmeasured && await RefusalBeforeStartAsync(cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            throw new InvalidOperationException($"{refusal}: this silo does not start.");
        }

        _clock.RestartDrift();
        _loop = Task.Run(() => ClockRefreshLoop.RunAsync(_clock, MeasureOnceAsync, _stopping.Token), CancellationToken.None);
    }

    internal async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    private void Report()
    {
        var bounded = _clock.IsBounded;
        if (bounded == _reportedBounded)
        {
            return;
        }

        _reportedBounded = bounded;
        var description = _clock.Describe();
        if (_clock.State == ClockState.OutOfBound)
        {
            // Measured, and off by more than the bound while running: this silo's slots must print elsewhere.
            _clock.ReportOutOfBound(description);
        }

        if (bounded)
        {
            LogBounded(description);
        }
        else
        {
            if (_lastError is { } error)
            {
                LogUnboundedAfterError(description, error);
            }
            else
            {
                LogUnbounded(description);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Description}: this silo prints by the store's clock")]
    private partial void LogBounded(string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Description}: this silo prints nothing and reports not ready until the clock is bounded again")]
    private partial void LogUnbounded(string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Description} (reading the store's clock failed: {Error}): this silo prints nothing and reports not ready until the clock is bounded again")]
    private partial void LogUnboundedAfterError(string description, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This machine's wall clock stepped {StepMs} ms against its monotonic clock since the last measurement; the cluster clock did not move with it")]
    private partial void LogWallStepped(double stepMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Problem}: this silo refuses to start")]
    private partial void LogRefusingToStart(string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Measuring the store's clock failed; retrying")]
    private partial void LogMeasurementFailed(Exception exception);
}
