using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace EchoAtTime.Silo;

/// <summary>Ready only while this silo is an active member of the cluster.</summary>
public sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails localSilo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(localSilo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("Silo is active")
            : HealthCheckResult.Unhealthy($"Silo is {status}"));
    }
}
