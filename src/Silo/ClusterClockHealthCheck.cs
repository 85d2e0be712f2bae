using EchoAtTime.Grains.Clock;
using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EchoAtTime.Silo;

/// <summary>
/// Ready only while this silo's clock is bounded against the store's: a silo that can't bound its
/// offset prints nothing, so the load balancer and operators should see it, with the offset and
/// the bound in the description.
/// </summary>
public sealed class ClusterClockHealthCheck(ClusterClock clock) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["state"] = clock.State.ToString(),
            ["offsetMs"] = clock.Offset.TotalMilliseconds,
            ["maxSkewMs"] = clock.MaxSkew.TotalMilliseconds,
        };
        if (clock.RoundTrip is { } roundTrip)
        {
            data["roundTripMs"] = roundTrip.TotalMilliseconds;
        }

        return Task.FromResult(clock.IsBounded
            ? HealthCheckResult.Healthy(clock.Describe(), data)
            : HealthCheckResult.Unhealthy(clock.Describe(), data: data));
    }
}
