namespace EchoAtTime.Api.Hosting;

/// <summary>
/// <c>Echo:RateLimit</c>: how fast one client may write (schedule, batch, cancel, reschedule). A client
/// is a key, or a remote address for requests without a valid one. Body, message and batch limits
/// are <see cref="ApiOptions"/>' own and apply as well.
/// </summary>
public sealed class WriteLimitOptions
{
    /// <summary>Writes per second a client can keep up; 0 turns the limit off.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Writes a client may send at once beyond that rate (a token bucket this deep).</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Limit loopback clients too. Off by default: local tools and benchmarks run unthrottled.</summary>
    public bool OnLoopback { get; set; }
}
