using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Hosting;

/// <summary>
/// Graceful, bounded stop for a process behind a load balancer. On SIGTERM/Ctrl+C, before any
/// service stops, readiness turns unhealthy and the process keeps serving for
/// <see cref="ApiOptions.ShutdownDrainDelay"/> so the balancer takes it out of rotation. Then the
/// normal stop runs; if it has not finished within <see cref="ApiOptions.ShutdownTimeout"/> (Orleans
/// waits on Redis when Redis is gone) the process ends itself — as safe as a kill -9, which the
/// print fence is built for.
/// </summary>
public sealed partial class ShutdownDrain(IOptions<ApiOptions> options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService, IHealthCheck
{
    private volatile bool _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var (delay, timeout) = (options.Value.ShutdownDrainDelay, options.Value.ShutdownTimeout);
        _ = EndProcessAfterAsync(delay + timeout);
        LogDraining(delay.TotalSeconds);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, CancellationToken.None);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining ? HealthCheckResult.Unhealthy("Shutting down") : HealthCheckResult.Healthy());

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EndProcessAfterAsync(TimeSpan bound)
    {
        await Task.Delay(bound, CancellationToken.None);
        LogStopTooSlow(bound.TotalSeconds);
        await Console.Error.FlushAsync();
        using var self = Process.GetCurrentProcess();
        self.Kill();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: readiness is now unhealthy; serving {Seconds} s more so load balancers drain this instance")]
    private partial void LogDraining(double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stop did not finish within {Seconds} s; ending the process now")]
    private partial void LogStopTooSlow(double seconds);
}
