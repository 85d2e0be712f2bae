using EchoAtTime.Grains.Output;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EchoAtTime.Silo;

/// <summary>
/// Unhealthy once this silo's console was given up (blocked past <c>Echo:ConsoleTimeout</c>, or
/// failed): such a silo prints nothing and is leaving the cluster, and an operator should see why
/// even though Redis and membership still look fine.
/// </summary>
public sealed class ConsoleHealthCheck(ConsoleHealth console) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(console.Problem is { } problem
            ? HealthCheckResult.Unhealthy($"Console given up: {problem}")
            : HealthCheckResult.Healthy("Console accepts output"));
}
