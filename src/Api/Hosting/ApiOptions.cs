namespace EchoAtTime.Api.Hosting;

/// <summary>Limits and access of the HTTP API, under the <c>Echo</c> configuration section.</summary>
public sealed class ApiOptions
{
    public const string Section = "Echo";

    /// <summary>Longest message, in UTF-16 characters.</summary>
    public int MaxMessageLength { get; set; } = 4096;

    /// <summary>Most messages in one batch request.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>Largest request body in bytes; larger ones get 413.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How far in the future a message may be due.</summary>
    public TimeSpan MaxScheduleAhead { get; set; } = TimeSpan.FromDays(366);

    /// <summary>Longest idempotency key, in characters.</summary>
    public int MaxIdempotencyKeyLength { get; set; } = 200;

    /// <summary>On SIGTERM, how long readiness reports unhealthy while the process still serves.</summary>
    public TimeSpan ShutdownDrainDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Upper bound of a whole graceful stop; past it the silo stops ungracefully (the fence keeps that safe).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// When set, writes (schedule, cancel) and the dashboard need header <c>X-Api-Key</c> with this value.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// More keys, each accepted like <see cref="ApiKey"/> (<c>Echo:ApiKeys:0</c>, <c>:1</c>…): to rotate
    /// without downtime, list the old and the new one until every client sends the new one.
    /// </summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>
    /// With no key set, serve every client instead of loopback ones only (protected mode). The old
    /// open default, for a network that is trusted as a whole: warned at start, shown on readiness.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// Accept writes on a store that can lose acknowledged ones in a crash (Redis <c>appendonly no</c>,
    /// <c>appendfsync everysec</c> or <c>no</c>; Garnet without <c>--aof-commit-wait</c>). Without it such a
    /// store gets 503 on every write. A store that evicts keys is refused either way.
    /// </summary>
    public bool AllowWeakDurability { get; set; }

    /// <summary>The write endpoints' rate limit per client (<c>Echo:RateLimit:*</c>).</summary>
    public WriteLimitOptions RateLimit { get; } = new();
}
