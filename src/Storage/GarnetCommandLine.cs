using System.Globalization;

namespace EchoAtTime.Storage;

/// <summary>How the embedded store's Garnet is started; in one place for the silo and the test harness.</summary>
public static class GarnetCommandLine
{
    /// <summary>
    /// Log memory of the embedded store unless <c>Echo:EmbeddedLogMemory</c> says otherwise: records past it go to
    /// disk.
    /// </summary>
    public const string DefaultLogMemory = "1g";

    /// <summary>Smallest log memory accepted: 16 pages of the smallest page used here.</summary>
    public const long MinLogMemoryBytes = 16 * MinPageBytes;

    private const long MinPageBytes = 64 * 1024;
    private const long MaxPageBytes = 16 * 1024 * 1024; // Garnet's default page

    /// <summary>
    /// The Garnet command line of the store kept in <paramref name="dataDir"/>: the silo's embedded
    /// store, and the test harness's Garnet (tests/EchoAtTime.Testing, without commit wait).
    /// <list type="bullet">
    /// <item>Durable across <c>kill -9</c>: the append-only log (--aof) replayed at start (--recover),
    /// checkpointed whenever it passes 256 MB so it is trimmed. Measured on Debian 12: the default
    /// Native device crashes the process; --aof without --recover discards old data and --recover
    /// without --aof replays nothing.</item>
    /// <item>Refuses a damaged store (--fail-on-recovery-error): without it Garnet logs an unreadable
    /// checkpoint below our log level and serves what it could read (measured: with its index checkpoint
    /// truncated, or its checkpoint info overwritten, a store of 3 100 keys started with the 100 of its log's
    /// tail).</item>
    /// <item>Larger than memory, never a cache (--storage-tier, --logdir): without a tier the main log's
    /// device is a null device, so records past <paramref name="logMemory"/> were dropped (measured:
    /// 10 000 keys of 200 bytes in 1 MB, 4 452 left and the first ones gone). With it they are written
    /// to data/log and read back from there. Lookup compaction (before each checkpoint, once the log on
    /// disk passes 8 segments of 64 MB) copies the live records of the oldest segments to the tail and
    /// frees the rest, so deleted minutes do not keep disk space; the freed files are deleted only by
    /// the next checkpoint, so a crash in between still recovers them.</item>
    /// <item>The slot scripts are the fence, so they must be atomic against other sessions
    /// (--lua-transaction-mode; without it a script's reads and writes interleave with other clients').</item>
    /// <item>With <paramref name="commitWait"/> a reply waits for the append-only log's commit, so a 202
    /// survives a machine crash too; without it a reply can precede the commit. Garnet 2.2.8 deadlocks
    /// when transactional scripts from several sessions contend under commit wait (measured with
    /// redis-benchmark: 50 clients, one two-key EVAL, 0 requests/s at once). The silo is safe from that
    /// because every command it sends shares its one multiplexer, one connection; the password
    /// (<paramref name="password"/>, a new one per start) keeps every other client out.</item>
    /// </list>
    /// </summary>
    public static string[] For(string dataDir, int port, bool commitWait, string? password = null, string logMemory = DefaultLogMemory)
    {
        var memory = ParseSize(logMemory);
        if (memory < MinLogMemoryBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(logMemory), logMemory, $"Echo:EmbeddedLogMemory must be at least {MinLogMemoryBytes / 1024 / 1024}m");
        }

        // 16 pages at least, 16 MB (Garnet's default) at most: a page is the unit written to disk and read back.
        var page = Math.Clamp(FloorPowerOfTwo(memory / 16), MinPageBytes, MaxPageBytes);
        return
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--checkpointdir", Path.Combine(dataDir, "checkpoints"),
            "--logdir", Path.Combine(dataDir, "log"),
            "--storage-tier",
            "--memory", memory.ToString(CultureInfo.InvariantCulture),
            "--page", page.ToString(CultureInfo.InvariantCulture),
            "--segment", "64m",
            "--compaction-type", "Lookup",
            "--compaction-max-segments", "8",
            "--device-type", "RandomAccess",
            "--aof",
            "--recover",
            "--fail-on-recovery-error",
            "--aof-size-limit", "256m",
            "--lua",
            "--lua-transaction-mode",
            .. (commitWait ? (string[])["--aof-commit-wait"] : []),
            "-q",
            .. (password is null ? (string[])[] : ["--auth", "Password", "--password", password]),
        ];
    }

    /// <summary>
    /// A size as Garnet writes it: bytes, or a number with <c>k</c>, <c>m</c> or <c>g</c> (powers of 1024).
    /// </summary>
    public static long ParseSize(string size)
    {
        var text = size.Trim().ToLowerInvariant();
        var (digits, shift) = text.Length > 0 && text[^1] is 'k' or 'm' or 'g'
            ? (text[..^1], text[^1] switch { 'k' => 10, 'm' => 20, _ => 30 })
            : (text, 0);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value < (1L << (62 - shift))
            ? value << shift
            : throw new FormatException($"'{size}' is not a size: write bytes, or a number followed by k, m or g (512m, 1g).");
    }

    private static long FloorPowerOfTwo(long value) => value < 1 ? 1 : 1L << (63 - (int)long.LeadingZeroCount(value));
}
