namespace EchoAtTime.Api.Hosting;

/// <summary>
/// One store server's settings that decide whether an acknowledged message survives: values as
/// <c>CONFIG GET</c> reported them, null where the server did not report one (Garnet answers only
/// some). Unknown values are never counted as risks: only what the server says is judged.
/// </summary>
public sealed record StoreDurability(string Server, string? AppendOnly, string? AppendFsync, string? MaxMemoryPolicy)
{
    /// <summary>
    /// Without the append-only file, or when it is not flushed on every write, Redis answers a write
    /// before it is on disk: a crash loses messages that already got 202.
    /// </summary>
    public bool LosesAcknowledgedWrites =>
        (AppendOnly is not null && !Is(AppendOnly, "yes")) || (AppendFsync is not null && !Is(AppendFsync, "always"));

    /// <summary>Any policy but <c>noeviction</c> lets Redis delete keys under memory pressure: messages vanish without an error.</summary>
    public bool EvictsKeys => MaxMemoryPolicy is not null && !Is(MaxMemoryPolicy, "noeviction");

    /// <summary>The server reported at least one of the settings.</summary>
    public bool IsKnown => AppendOnly is not null || AppendFsync is not null || MaxMemoryPolicy is not null;

    public string Settings => $"appendonly={AppendOnly ?? "?"} appendfsync={AppendFsync ?? "?"} maxmemory-policy={MaxMemoryPolicy ?? "?"}";

    /// <summary>What is wrong, for a log line or health description; null when nothing is.</summary>
    public string? Risk => (LosesAcknowledgedWrites, EvictsKeys) switch
    {
        (true, true) => $"an acknowledged message can be lost if Redis crashes, and maxmemory-policy {MaxMemoryPolicy} evicts keys, silently losing messages",
        (true, false) => "an acknowledged message can be lost if Redis crashes (set appendonly yes, appendfsync always)",
        (false, true) => $"maxmemory-policy {MaxMemoryPolicy} evicts keys, silently losing messages (set maxmemory-policy noeviction)",
        _ => null,
    };

    private static bool Is(string value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);
}
