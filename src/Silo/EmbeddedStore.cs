using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EchoAtTime.Storage;
using Garnet;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Silo;

/// <summary>
/// The durable store used when no Redis is configured: an in-process Garnet server on loopback,
/// persisting every write to an append-only log under <c>Echo:DataDir</c> and recovering it at start,
/// so a restart (even <c>kill -9</c>) keeps every accepted message.
/// </summary>
public sealed partial class EmbeddedStore : IDisposable
{
    /// <summary>Held open (exclusively) while the store runs; the kernel lets go of it when the process dies, even by <c>kill -9</c>.</summary>
    public const string LockFileName = "echo.lock";

    private readonly GarnetServer _server;
    private readonly FileStream _lock;

    private EmbeddedStore(GarnetServer server, FileStream lockFile, int port, string dataDir, bool commitWait)
    {
        _server = server;
        _lock = lockFile;
        Port = port;
        DataDir = dataDir;
        CommitWait = commitWait;
    }

    /// <summary>Whether a reply waits for the append-only log's commit.</summary>
    public bool CommitWait { get; }

    public int Port { get; }

    public string DataDir { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static EmbeddedStore Start(string dataDir, int port, bool commitWait, ILoggerFactory loggerFactory)
    {
        dataDir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dataDir);
        if (port == 0)
        {
            port = FreeLoopbackPort();
        }

        var lockFile = Lock(dataDir);
        var args = GarnetCommandLine.For(dataDir, port, commitWait);
        // Garnet prints a banner and trace output on Console.Out; stdout belongs to echoed messages alone.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        try
        {
            var server = new GarnetServer(args, loggerFactory);
            foreach (var listener in Trace.Listeners.OfType<ConsoleTraceListener>().ToList())
            {
                Trace.Listeners.Remove(listener);
            }

            server.Start();
            return new EmbeddedStore(server, lockFile, port, dataDir, commitWait);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        _lock.Dispose();
    }

    /// <summary>
    /// One process per data directory: two Garnet servers replaying and appending one log would
    /// corrupt it, and two silos printing from two copies of one store would print every message twice.
    /// </summary>
    private static FileStream Lock(string dataDir)
    {
        try
        {
            // On Linux, FileShare.None is an exclusive flock(2): a second opener fails at once.
            return new FileStream(Path.Combine(dataDir, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"Echo:DataDir {dataDir} is in use by another silo ({ex.Message}). Each silo on the embedded store needs a data directory of its own; " +
                "to run several silos as one cluster, point them all at one Redis with Redis:ConnectionString.", ex);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
