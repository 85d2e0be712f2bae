using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EchoAtTime.Storage;

namespace EchoAtTime.Testing;

/// <summary>
/// The store a test or tool run starts for itself, as a process of its own on a loopback port and a
/// data dir, durable (Redis: AOF with the given <c>appendfsync</c>; Garnet: AOF, recovered at start), so <c>kill -9</c>
/// and a restart on the same port and dir keep what the durability setting promises (Garnet: see
/// <see cref="GarnetArguments"/>). Redis where <c>redis-server</c> is on PATH, else Garnet (the silo's embedded store,
/// run by EchoAtTime.GarnetHost with the silo's own settings); the environment variable <c>ECHO_TEST_STORE</c>
/// (<c>redis</c>, <c>redis-cluster</c> or <c>garnet</c>) chooses explicitly.
/// </summary>
public sealed class StoreProcess : IAsyncDisposable
{
    /// <summary>The <c>appendfsync</c> that means no AOF at all: a store that keeps nothing over a restart.</summary>
    public const string NoPersistence = "off";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dir;
    private readonly string _appendFsync;
    private Process? _process;
    private TaskCompletionSource _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StoreProcess(int port, string dir, string appendFsync = "always", string? password = null, StoreKind? kind = null, bool clusterNode = false)
    {
        Port = port;
        _dir = dir;
        _appendFsync = appendFsync;
        Password = password;
        Kind = kind ?? (DefaultKind == StoreKind.RedisCluster ? StoreKind.Redis : DefaultKind);
        ClusterNode = clusterNode;
    }

    /// <summary>
    /// A Redis Cluster node (<see cref="StoreCluster"/>): its cluster state in nodes.conf in its dir, so a restart
    /// rejoins.
    /// </summary>
    public bool ClusterNode { get; }

    public int Port { get; }

    public string? Password { get; }

    public StoreKind Kind { get; }

    /// <summary>
    /// For the product: <c>abortConnect=false</c> so a process that starts while the store restarts keeps retrying.
    /// </summary>
    public string ConnectionString =>
        $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},abortConnect=false" + (Password is null ? "" : $",password={Password}");

    public int Pid => _process?.Id ?? 0;

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>
    /// Whether a crash can lose what this store acknowledged: Garnet here runs without commit wait
    /// (<see cref="GarnetArguments"/>), Redis with an <c>appendfsync</c> other than <c>always</c>.
    /// </summary>
    public bool LosesAcknowledgedWrites => Kind == StoreKind.Garnet || _appendFsync != "always";

    /// <summary>
    /// What a silo or gateway on this store is told: where it can lose acknowledged writes, that this
    /// is accepted (<c>Echo:AllowWeakDurability</c>), as an operator would have to say; else nothing.
    /// </summary>
    public IReadOnlyDictionary<string, string> ServiceSettings => ServiceSettingsFor(LosesAcknowledgedWrites);

    /// <summary>
    /// <see cref="ServiceSettings"/> of the store a run uses unless told otherwise (<see cref="DefaultKind"/>,
    /// appendfsync always).
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultServiceSettings => ServiceSettingsFor(DefaultKind == StoreKind.Garnet);

    /// <summary>redis-server on PATH, or null.</summary>
    public static string? RedisServerPath =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(dir => dir.Length > 0)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// What a run uses unless told otherwise: <c>ECHO_TEST_STORE</c>, else Redis when it is installed, else Garnet.
    /// </summary>
    public static StoreKind DefaultKind => Environment.GetEnvironmentVariable("ECHO_TEST_STORE")?.Trim().ToLowerInvariant() switch
    {
        "redis" => StoreKind.Redis,
        "garnet" => StoreKind.Garnet,
        "redis-cluster" => StoreKind.RedisCluster,
        null or "" => RedisServerPath is null ? StoreKind.Garnet : StoreKind.Redis,
        var other => throw new InvalidOperationException($"ECHO_TEST_STORE={other}: use redis, redis-cluster or garnet."),
    };

    /// <summary>One line saying which store a run uses and why.</summary>
    public static string Describe(StoreKind kind) => kind switch
    {
        StoreKind.Redis => $"store under test: redis-server ({RedisServerPath ?? "not on PATH"})",
        StoreKind.RedisCluster => $"store under test: a Redis Cluster of {StoreCluster.DefaultMasters} masters on loopback, redis-server ({RedisServerPath ?? "not on PATH"})",
        _ => $"store under test: Garnet, as its own process ({GarnetHostDll}){(RedisServerPath is null ? "; no redis-server on PATH" : "")}",
    };

    /// <summary>EchoAtTime.GarnetHost.dll, built with this harness, in the same configuration as the caller.</summary>
    public static string GarnetHostDll
    {
        get
        {
            var baseDir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = baseDir.Parent?.Name is "Debug" or "Release" ? baseDir.Parent.Name : "Release";
            var root = baseDir;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "EchoAtTime.sln")))
            {
                root = root.Parent;
            }

            var dll = root is null
                ? Path.Combine(AppContext.BaseDirectory, "EchoAtTime.GarnetHost.dll")
                : Path.Combine(root.FullName, "tests", "EchoAtTime.GarnetHost", "bin", configuration, "net10.0", "EchoAtTime.GarnetHost.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built (dotnet build tests/EchoAtTime.GarnetHost).");
        }
    }

    /// <summary>
    /// The Garnet command line: the silo's embedded settings (GarnetCommandLine.For) without
    /// commit wait, and a password if any. Garnet 2.2.8 deadlocks when scripts from several sessions
    /// contend with both --lua-transaction-mode and --aof-commit-wait (measured: redis-benchmark, 50
    /// clients running one two-key EVAL: 0 requests/s and PING unanswered at once; either flag alone
    /// runs). The embedded silo is safe from it because all its commands share one connection; the
    /// tests' store has many sessions (silos, gateway, the tests' own client), so it keeps the atomic
    /// scripts and gives up commit wait: a reply can precede the log's commit by the commit's latency.
    /// </summary>
    public IReadOnlyList<string> GarnetArguments()
    {
        var args = GarnetCommandLine.For(_dir, Port, commitWait: false, Password, Small ? "16m" : GarnetCommandLine.DefaultLogMemory).ToList();
        if (Small)
        {
            args.AddRange(["--index", "1m"]);
        }

        if (WithoutStorageTier)
        {
            args.RemoveAt(args.IndexOf("--logdir") + 1);
            args.Remove("--logdir");
            args.Remove("--storage-tier");
        }

        return args;
    }

    /// <summary>
    /// Garnet only: 16 MB of log memory and a 1 MB hash index instead of the silo's 1 GB and Garnet's 128 MB, for a run
    /// of a few hundred keys that restarts its store often (the simulator): a start allocates them whole.
    /// </summary>
    public bool Small { get; init; }

    /// <summary>
    /// Garnet only: keeps its records in memory alone, dropping the oldest past its log memory, as Garnet does by
    /// default.
    /// </summary>
    public bool WithoutStorageTier { get; init; }

    private static Dictionary<string, string> ServiceSettingsFor(bool losesAcknowledgedWrites) =>
        losesAcknowledgedWrites ? new() { ["Echo__AllowWeakDurability"] = "true" } : [];

    private IReadOnlyList<string> RedisArguments() =>
    [
        "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no",
        "--dir", _dir, .. (_appendFsync == NoPersistence ? (string[])["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", _appendFsync]), "--save", "",
        "--logfile", Path.Combine(_dir, "redis.log"),
        .. (Password is null ? (string[])[] : ["--requirepass", Password]),
        .. (ClusterNode ? (string[])["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"] : []),
    ];

    /// <summary>Starts the store and waits until it answers PING (after replaying its log).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_dir);
        var info = Kind == StoreKind.Redis
            ? new ProcessStartInfo(RedisServerPath ?? throw new InvalidOperationException("redis-server is not on PATH (apt-get install -y redis-server), and ECHO_TEST_STORE=redis asks for it."))
            : new ProcessStartInfo("dotnet") { ArgumentList = { GarnetHostDll } };
        info.WorkingDirectory = _dir;
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = Kind == StoreKind.Garnet;
        foreach (var arg in Kind == StoreKind.Redis ? RedisArguments() : GarnetArguments())
        {
            info.ArgumentList.Add(arg);
        }

        if (_process is { } previous)
        {
            OrphanGuard.Release(previous.Id);
            previous.Dispose();
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException($"{Kind} did not start.");
        OrphanGuard.Adopt(_process);
        _process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("garnet restarted", StringComparison.Ordinal) == true)
            {
                _restarted.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        var deadline = Stopwatch.StartNew();
        while (!await PingAsync(cancellationToken))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Kind} on port {Port} exited with {process.ExitCode} (data dir {_dir}).");
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"{Kind} on port {Port} did not answer PING within {StartTimeout}.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// <c>kill -9</c>: whatever it had not yet written to its log is gone. Garnet runs here without
    /// commit wait (see <see cref="GarnetArguments"/>), so a reply it sent may still be in its log's
    /// buffer; it is told to commit the log first (COMMITAOF), so a kill loses no more than commit
    /// wait would. Without it a test that kills right after a write reads a state from before it
    /// (seen in CI: a restored hash came back as it was before the restore).
    /// </summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            if (Kind == StoreKind.Garnet)
            {
                // Not the 1 s of a readiness probe: under the suite's load a commit can take longer, and a kill
                // after a probe that gave up lost the last writes (seen in CI: a test's last write came back undone).
                if (!await RequestAsync(["COMMITAOF"], "+", CancellationToken.None, CommitTimeout))
                {
                    throw new InvalidOperationException($"Garnet on port {Port} did not commit its log within {CommitTimeout.TotalSeconds} s before a kill.");
                }
            }

            await ProcessSignals.KillAsync(process);
        }
    }

    /// <summary>
    /// Garnet only: a crash and a restart over <paramref name="dir"/> with nothing of what it held, in one process
    /// (EchoAtTime.GarnetHost drops its server and every session, then starts a new one with a new run_id on the
    /// same port): tens of milliseconds where a new process takes a second. Returns once it answers PING.
    /// </summary>
    public async Task RestartEmptyAsync(string dir)
    {
        if (Kind != StoreKind.Garnet || _process is not { HasExited: false } process)
        {
            throw new InvalidOperationException("Only a running Garnet restarts in place.");
        }

        _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await process.StandardInput.WriteLineAsync($"restart {dir}");
        await process.StandardInput.FlushAsync();
        await _restarted.Task.WaitAsync(StartTimeout);
        while (!await PingAsync(CancellationToken.None))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Garnet on port {Port} exited with {process.ExitCode} in a restart.");
            }
        }
    }

    /// <summary>SIGTERM (the store flushes its log and exits), SIGKILL after a grace period.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            await ProcessSignals.StopAsync(process, TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Nothing is read after a dispose, so no commit first: a store a test left stopped or hung still goes.
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                await ProcessSignals.KillAsync(process);
            }

            OrphanGuard.Release(process.Id);
            process.Dispose();
        }
    }

    /// <summary>
    /// A raw RESP PING (after AUTH when there is a password), as RESP arrays (Garnet takes no inline
    /// commands before AUTH): no Redis client needed, and "+PONG" only comes once the log has been
    /// replayed (until then Redis answers "-LOADING"). A store that accepts but does not answer within
    /// a second counts as not up yet.
    /// </summary>
    private Task<bool> PingAsync(CancellationToken cancellationToken) => RequestAsync(["PING"], "+PONG", cancellationToken);

    /// <summary>
    /// Sends one command (after AUTH when there is a password); whether its reply starts with
    /// <paramref name="expected"/> within a second.
    /// </summary>
    private async Task<bool> RequestAsync(string[] command, string expected, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within ?? TimeSpan.FromSeconds(1));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            var request = (Password is null ? "" : Resp("AUTH", Password)) + Resp(command);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request), timeout.Token);
            var received = new StringBuilder();
            var buffer = new byte[256];
            var replies = Password is null ? 1 : 2;
            while (received.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length < replies)
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return false;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return received.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1].StartsWith(expected, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private static string Resp(params string[] parts) =>
        $"*{parts.Length}\r\n" + string.Concat(parts.Select(p => $"${Encoding.UTF8.GetByteCount(p)}\r\n{p}\r\n"));
}

/// <summary>The two stores the product runs on.</summary>
public enum StoreKind
{
    Redis,
    Garnet,

    /// <summary>
    /// Three redis-server masters in cluster mode (<see cref="StoreCluster"/>), for the suites that must hold on Redis
    /// Cluster too.
    /// </summary>
    RedisCluster,
}
