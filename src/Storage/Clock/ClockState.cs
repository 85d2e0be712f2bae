namespace EchoAtTime.Storage.Clock;

/// <summary>Whether <see cref="ClusterClock"/> can vouch for its reading, and if not, why not.</summary>
public enum ClockState
{
    /// <summary>No measurement of the store's clock has succeeded yet.</summary>
    Unmeasured,

    /// <summary>
    /// The last measurement is older than <see cref="ClusterClock.StaleAfter"/>: the local clock may have drifted
    /// since.
    /// </summary>
    Stale,

    /// <summary>
    /// The measured offset is larger than <see cref="EchoOptions.MaxClockSkew"/>: this machine's clock is too far off
    /// to trust.
    /// </summary>
    OutOfBound,

    /// <summary>A fresh measurement within the bound: the corrected time can be printed by.</summary>
    Bounded,
}
