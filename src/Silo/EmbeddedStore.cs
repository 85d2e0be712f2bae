using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    private readonly GarnetServer _server;

    private EmbeddedStore(GarnetServer server, int port, string dataDir)
    {
        _server = server;
        Port = port;
        DataDir = dataDir;
    }

    public int Port { get; }

    public string DataDir { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static EmbeddedStore Start(string dataDir, int port, ILoggerFactory loggerFactory)
    {
        dataDir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dataDir);
        if (port == 0)
        {
            port = FreeLoopbackPort();
        }

        // Measured on Debian 12: the default Native device crashes the process; --aof without
        // --recover discards old data and --recover without --aof replays nothing.
        string[] args =
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--checkpointdir", Path.Combine(dataDir, "checkpoints"),
            "--device-type", "RandomAccess",
            "--aof",
            "--recover",
            "--aof-size-limit", "256m",
            "--lua",
            "-q",
        ];
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
            return new EmbeddedStore(server, port, dataDir);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    public void Dispose() => _server.Dispose();

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
