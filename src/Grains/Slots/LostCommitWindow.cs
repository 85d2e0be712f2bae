using EchoAtTime.Storage;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Which messages of a loaded minute may have printed though the store shows them unprinted: a store that
/// lost acknowledged writes (a failover, <c>appendfsync everysec</c>, the embedded store without commit wait)
/// may have lost the commits that declared and confirmed them. Only a message appended under an earlier
/// store epoch can have printed under one — whatever the minute's meta hash says, since a lost commit takes
/// its own traces with it, and an append after the restart rewrites the rest. And only one due before the
/// current server took over: a printer prints a message after a commit the server acknowledged, never
/// before the message is due by the cluster clock, and a server restarted in place started after the one
/// before it stopped. So a restart that lost nothing flags nothing due after it; what was due before it and
/// not yet printed is flagged though it may never have printed (a flag too many, never one too few). After
/// a failover the start is unknown, and everything of an earlier epoch due by now is flagged.
/// </summary>
/// <param name="CurrentEpoch">The epoch of the server the minute was loaded from.</param>
/// <param name="ThroughMs">Due at or before this (cluster clock), a message of an earlier epoch may have
/// printed.</param>
internal readonly record struct LostCommitWindow(string? CurrentEpoch, long ThroughMs)
{
    /// <summary>
    /// The window of <paramref name="snapshot"/> loaded at <paramref name="nowMs"/> by a clock at most
    /// <paramref name="clockMarginMs"/> behind the store's (<see cref="EchoOptions.MaxClockSkew"/>).
    /// </summary>
    public static LostCommitWindow Of(SlotSnapshot snapshot, long nowMs, long clockMarginMs) =>
        new(snapshot.StoreEpoch, nowMs + clockMarginMs - Math.Max(0, snapshot.RestartedAgoMs ?? 0));

    /// <summary>
    /// Whether a message appended under <paramref name="appendedUnder"/> and due at <paramref name="dueMs"/> may have
    /// printed.
    /// </summary>
    public bool Covers(string? appendedUnder, long dueMs) => dueMs <= ThroughMs && appendedUnder != CurrentEpoch;
}
