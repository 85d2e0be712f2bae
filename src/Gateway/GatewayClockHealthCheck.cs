using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EchoAtTime.Gateway;

/// <summary>
/// Ready once the gateway's clock has been measured against the store's: until then a message due "now" would be
/// placed by this machine's clock. Measured but beyond the bound, or stale, is degraded, not down: the gateway prints
/// nothing, and places messages by the last corrected reading (<see cref="GatewayClockSync"/>).
/// </summary>
public sealed class GatewayClockHealthCheck(ClusterClock clock) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["state"] = clock.State.ToString(), ["offsetMs"] = clock.Offset.TotalMilliseconds };
        return Task.FromResult(clock.State switch
        {
            ClockState.Unmeasured => HealthCheckResult.Unhealthy(clock.Describe(), data: data),
            ClockState.Bounded => HealthCheckResult.Healthy(clock.Describe(), data),
            _ => HealthCheckResult.Degraded(clock.Describe(), data: data),
        });
    }
}
