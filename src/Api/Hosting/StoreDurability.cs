namespace EchoAtTime.Api.Hosting;

/// <summary>
/// One store server's settings that decide whether an acknowledged message survives: values as
/// <c>CONFIG GET</c> (and, for Garnet's storage tier, <c>INFO store</c>) reported them, null where the
/// server did not report one. Redis reports <c>appendonly</c>, <c>appendfsync</c> and
/// <c>maxmemory-policy</c>; Garnet 2.2.8 reports <c>appendonly</c> and <c>aof-commit-wait</c>, and its
/// log directory, empty without a storage tier. Neither says whether Garnet runs Lua scripts as
/// transactions (<c>--lua-transaction-mode</c>): that can't be checked from outside. Unknown values
/// are never counted as risks: only what the server says is judged.
/// </summary>
public sealed record StoreDurability(
    string Server, string? AppendOnly, string? AppendFsync, string? MaxMemoryPolicy, string? AofCommitWait = null, string? LogDir = null)
{
    /// <summary>
    /// Without the append-only file, when it is not flushed on every write (Redis), or when a reply
    /// may precede the log's commit (Garnet without <c>--aof-commit-wait</c>), the store answers a write
    /// before it is on disk: a crash loses messages that already got 202.
    /// </summary>
    public bool LosesAcknowledgedWrites =>
        (AppendOnly is not null && !Is(AppendOnly, "yes"))
        || (AppendFsync is not null && !Is(AppendFsync, "always"))
        || (AofCommitWait is not null && !Is(AofCommitWait, "yes"));

    /// <summary>
    /// Redis: any policy but <c>noeviction</c> deletes keys under memory pressure. Garnet without a
    /// storage tier (no log directory) drops the oldest records past its log memory. Either way
    /// messages vanish without an error.
    /// </summary>
    public bool EvictsKeys =>
        (MaxMemoryPolicy is not null && !Is(MaxMemoryPolicy, "noeviction")) || LogDir is { Length: 0 };

    /// <summary>The server reported at least one of the settings.</summary>
    public bool IsKnown => AppendOnly is not null || AppendFsync is not null || MaxMemoryPolicy is not null || AofCommitWait is not null;

    public string Settings =>
        $"appendonly={AppendOnly ?? "?"} appendfsync={AppendFsync ?? "?"} maxmemory-policy={MaxMemoryPolicy ?? "?"}"
        + (AofCommitWait is null ? "" : $" aof-commit-wait={AofCommitWait}")
        + (LogDir is null ? "" : $" storage-tier={(LogDir.Length > 0 ? "yes" : "no")}");

    /// <summary>What is wrong, for a log line or health description; null when nothing is.</summary>
    public string? Risk => (LosesAcknowledgedWrites, EvictsKeys) switch
    {
        (true, true) => $"{LossRisk}, and {EvictionRisk}",
        (true, false) => LossRisk,
        (false, true) => EvictionRisk,
        _ => null,
    };

    /// <summary>
    /// Why writes must be refused (503), or null: a store that evicts always; one that can lose
    /// acknowledged writes unless the operator accepted that (<c>Echo:AllowWeakDurability</c>).
    /// </summary>
    public string? WriteRefusal(bool allowWeakDurability) => (LosesAcknowledgedWrites && !allowWeakDurability, EvictsKeys) switch
    {
        (true, true) => $"Store {Server}: {LossRisk}, and {EvictionRisk}",
        (true, false) => $"Store {Server}: {LossRisk}; or set Echo:AllowWeakDurability=true to accept that",
        (false, true) => $"Store {Server}: {EvictionRisk}",
        _ => null,
    };

    private string LossRisk => AofCommitWait is not null && !Is(AofCommitWait, "yes")
        ? "aof-commit-wait no: a reply may precede the log's commit, so an acknowledged message can be lost if Garnet crashes (start it with --aof-commit-wait)"
        : $"appendonly {AppendOnly ?? "?"}, appendfsync {AppendFsync ?? "?"}: an acknowledged message can be lost if Redis crashes (set appendonly yes, appendfsync always)";

    private string EvictionRisk => LogDir is { Length: 0 }
        ? "Garnet runs without a storage tier: past its log memory the oldest records are dropped, silently losing messages (start it with --storage-tier --logdir DIR)"
        : $"maxmemory-policy {MaxMemoryPolicy} evicts keys, silently losing messages (set maxmemory-policy noeviction)";

    private static bool Is(string value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);
}
