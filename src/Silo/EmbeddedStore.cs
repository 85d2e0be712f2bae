using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EchoAtTime.Storage;
using Garnet;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Silo;

/// <summary>
/// The durable store used when no Redis is configured: an in-process Garnet server on loopback,
/// persisting every write to an append-only log under <c>Echo:DataDir</c> and recovering it at start,
/// so a restart (even <c>kill -9</c>) keeps every accepted message. A store it cannot recover whole is
/// refused, never served in part; records past the log memory go to disk, never away; and a password
/// made for each start, known to this process alone, keeps every other local client out.
/// </summary>
public sealed partial class EmbeddedStore : IDisposable
{
    /// <summary>
    /// Held open (exclusively) while the store runs; the kernel lets go of it when the process dies, even by <c>kill
    /// -9</c>.
    /// </summary>
    public const string LockFileName = "echo.lock";

    private readonly GarnetServer _server;
    private readonly ILoggerFactory _garnetLoggers;
    private readonly FileStream _lock;

    private EmbeddedStore(GarnetServer server, ILoggerFactory garnetLoggers, FileStream lockFile, int port, string dataDir, bool commitWait, string password)
    {
        _server = server;
        _garnetLoggers = garnetLoggers;
        _lock = lockFile;
        Port = port;
        DataDir = dataDir;
        CommitWait = commitWait;
        ConnectionString = $"127.0.0.1:{port},password={password}";
    }

    /// <summary>Whether a reply waits for the append-only log's commit.</summary>
    public bool CommitWait { get; }

    public int Port { get; }

    public string DataDir { get; }

    /// <summary>For this process's multiplexer only: it holds the password, so it is never logged.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Starts Garnet on <paramref name="dataDir"/> and recovers it. Throws <see cref="InvalidOperationException"/>
    /// with one sentence an operator can act on when the directory is in use, the store cannot be
    /// recovered whole, or the port is taken.
    /// </summary>
    public static EmbeddedStore Start(string dataDir, int port, bool commitWait, ILoggerFactory loggerFactory, string logMemory = GarnetCommandLine.DefaultLogMemory)
    {
        dataDir = Path.GetFullPath(dataDir);
        var lockFile = Lock(dataDir);
        if (port == 0)
        {
            port = FreeLoopbackPort();
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var args = GarnetCommandLine.For(dataDir, port, commitWait, password, logMemory);
        var startLog = new GarnetStartLog(loggerFactory);
        var garnetLoggers = new LoggerFactory([startLog]);
        // Garnet prints a banner and trace output on Console.Out; stdout belongs to echoed messages alone.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        GarnetServer? server = null;
        try
        {
            server = new GarnetServer(args, garnetLoggers);
            foreach (var listener in Trace.Listeners.OfType<ConsoleTraceListener>().ToList())
            {
                Trace.Listeners.Remove(listener);
            }

            server.Start(); // recovers the checkpoint and replays the log
            startLog.Release();
            return new EmbeddedStore(server, garnetLoggers, lockFile, port, dataDir, commitWait, password);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            startLog.Discard();
            server?.Dispose();
            garnetLoggers.Dispose();
            lockFile.Dispose();
            throw new InvalidOperationException(Refusal(ex, dataDir, port), ex);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        _garnetLoggers.Dispose();
        _lock.Dispose();
    }

    /// <summary>What went wrong and what to do, in one line.</summary>
    private static string Refusal(Exception ex, string dataDir, int port)
    {
        var reason = string.Join(" / ", Chain(ex).Select(e => e.Message.ReplaceLineEndings(" ")).Distinct());
        return Chain(ex).Any(e => e is SocketException)
            ? $"Echo:EmbeddedPort {port} can't be listened on ({reason}). Set Echo:EmbeddedPort to a free port, or leave it unset for any free one."
            : $"Echo:DataDir {dataDir} can't be recovered whole, so nothing is served from it ({reason}). " +
              $"Keep {dataDir} as it is, then restore it from a backup, or start on an empty Echo:DataDir (the messages the damaged one held are then lost).";
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>
    /// One process per data directory: two Garnet servers replaying and appending one log would
    /// corrupt it, and two silos printing from two copies of one store would print every message twice.
    /// </summary>
    private static FileStream Lock(string dataDir)
    {
        try
        {
            Directory.CreateDirectory(dataDir);
            // On Linux, FileShare.None is an exclusive flock(2): a second opener fails at once.
            return new FileStream(Path.Combine(dataDir, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (Directory.Exists(dataDir) && ex is not DirectoryNotFoundException)
        {
            throw new InvalidOperationException(
                $"Echo:DataDir {dataDir} is in use by another silo ({ex.Message}). Each silo on the embedded store needs a data directory of its own; " +
                "to run several silos as one cluster, point them all at one Redis with Redis:ConnectionString.", ex);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // The container image's case when no volume is mounted there: say so instead of a stack trace.
            throw new InvalidOperationException(
                $"Echo:DataDir {dataDir} can't be created or written by this user ({ex.Message}). Point Echo:DataDir at a writable directory " +
                "(in a container: mount a volume there), or use a Redis with Redis:ConnectionString.", ex);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
