using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Says, once the silo is active, where it stands: its address, the cluster and how many silos are in it.
/// </summary>
public sealed partial class SiloStartupLog(
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    IOptions<ClusterOptions> cluster,
    ILogger<SiloStartupLog> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloStartupLog), ServiceLifecycleStage.Active, _ =>
        {
            var active = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
            LogActive(silo.SiloAddress, cluster.Value.ClusterId, active);
            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} active in cluster {ClusterId}: {Active} active silo(s)")]
    private partial void LogActive(SiloAddress silo, string clusterId, int active);
}
