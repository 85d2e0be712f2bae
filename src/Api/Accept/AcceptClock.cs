namespace EchoAtTime.Api.Accept;

/// <summary>
/// The clock the write path places a message due "now" (or in the past) by: the cluster's one clock
/// (<see cref="Storage.Clock.ClusterClock"/>, the store's time carried by monotonic time), on a silo and on a gateway,
/// not the machine's. A machine clock off by seconds would make such a message print seconds late, or land in a minute
/// the store then refuses as over. Registered as a keyed <see cref="TimeProvider"/>: the unkeyed one stays the
/// machine's, which Orleans and the rest of the host use.
/// </summary>
public static class AcceptClock
{
    public const string Key = "echo-accept";
}
