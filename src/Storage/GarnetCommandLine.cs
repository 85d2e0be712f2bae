namespace EchoAtTime.Storage;

/// <summary>How the embedded store's Garnet is started; in one place for the silo and the test harness.</summary>
public static class GarnetCommandLine
{
    /// <summary>
    /// The Garnet command line of the store kept in <paramref name="dataDir"/>: the silo's embedded
    /// store, and the test harness's Garnet (tests/EchoAtTime.Testing, without commit wait).
    /// Measured on Debian 12: the default Native device crashes the process; --aof without --recover
    /// discards old data and --recover without --aof replays nothing.
    /// The slot scripts are the fence, so they must be atomic against other sessions
    /// (--lua-transaction-mode; without it a script's reads and writes interleave with other
    /// clients'). With <paramref name="commitWait"/> a reply waits for the append-only log's commit,
    /// so a 202 survives a machine crash too; without it a reply can precede the commit.
    /// Garnet 2.2.8 deadlocks when transactional scripts from several sessions contend under commit
    /// wait (measured with redis-benchmark: 50 clients, one two-key EVAL, 0 requests/s at once). The
    /// silo is safe from that because every command it sends (slot scripts, Orleans' providers, probes)
    /// shares its one multiplexer, one connection; nothing else should send scripts to this port.
    /// </summary>
    public static string[] For(string dataDir, int port, bool commitWait) =>
    [
        "--bind", "127.0.0.1",
        "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--checkpointdir", Path.Combine(dataDir, "checkpoints"),
        "--device-type", "RandomAccess",
        "--aof",
        "--recover",
        "--aof-size-limit", "256m",
        "--lua",
        "--lua-transaction-mode",
        .. (commitWait ? (string[])["--aof-commit-wait"] : []),
        "-q",
    ];
}
