using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EchoAtTime.Testing;

/// <summary>
/// Hands out free 127.0.0.1 ports *below* the kernel's ephemeral range. A killed process's port is
/// taken again by its fresh process seconds later; a port from the ephemeral range could meanwhile
/// have become the local end of some outgoing connection, and the restart would fail to bind.
/// The one allocator of the tests and the tools: no port is handed out twice in a process, whichever
/// instance asks (tests run in parallel, and the in-suite chaos run has its own seeded instance), nor by two
/// processes at once: each port given is held by a lock file (<see cref="Held"/>) until the process exits. The suite
/// runs tools (the bench, the simulator) as processes of their own, with allocators of their own, and a port free
/// when one looked was taken by the other before its silo bound it (seen: "address already in use" for a silo
/// restarted beside the bench smoke run).
/// </summary>
public sealed class LoopbackPorts
{
    private const string EphemeralRangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
    private const int LowestPort = 10_000;

    private static readonly HashSet<int> Given = [];
    private static readonly string LockDir = Path.Combine(Path.GetTempPath(), "echo-ports");
    private static readonly List<FileStream> Held = [];
    private readonly Random _random;
    private readonly int _below;

    /// <summary>For callers that need no reproducible sequence (test fixtures).</summary>
    public static LoopbackPorts Shared { get; } = new(new Random());

    public LoopbackPorts(Random random)
    {
        _random = random;
        _below = EphemeralLowBound();
    }

    public int Next()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            int port;
            lock (_random)
            {
                port = _random.Next(LowestPort, _below);
            }

            lock (Given)
            {
                if (Given.Contains(port) || !IsFree(port) || !TryHold(port))
                {
                    continue;
                }

                Given.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port found in [{LowestPort}, {_below}).");
    }

    /// <summary>
    /// A port whose companion <c>port + offset</c> is free too, both below the ephemeral range and
    /// handed out together: a Redis Cluster node listens on its port and on port + 10 000 (its bus).
    /// </summary>
    public int NextWithCompanion(int offset = 10_000)
    {
        if (_below - offset <= LowestPort)
        {
            throw new InvalidOperationException($"No room for a port and its companion {offset} above it below {_below}.");
        }

        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            int port;
            lock (_random)
            {
                port = _random.Next(LowestPort, _below - offset);
            }

            lock (Given)
            {
                if (Given.Contains(port) || Given.Contains(port + offset) || !IsFree(port) || !IsFree(port + offset)
                    || !TryHold(port))
                {
                    continue;
                }

                if (!TryHold(port + offset))
                {
                    // The pair's first port stays held: given to nobody, it only narrows the range a little.
                    Given.Add(port);
                    continue;
                }

                Given.Add(port);
                Given.Add(port + offset);
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port pair found in [{LowestPort}, {_below}).");
    }

    /// <summary>
    /// Takes the port's lock file for the rest of this process (an exclusive <c>flock</c>, which .NET takes for
    /// <see cref="FileShare.None"/>, dropped by the kernel when the process ends, however it ends); false when another
    /// process holds it.
    /// </summary>
    private static bool TryHold(int port)
    {
        try
        {
            Directory.CreateDirectory(LockDir);
            Held.Add(new FileStream(Path.Combine(LockDir, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            // A lock dir of another user's: no lock to take, so this process alone keeps its ports apart, as before.
            return true;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLowBound()
    {
        try
        {
            var first = File.ReadAllText(EphemeralRangeFile).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            var low = int.Parse(first, CultureInfo.InvariantCulture);
            return low > LowestPort + 1_000 ? low : 32_768;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Linux's default range starts at 32768; other systems rarely go lower.
            return 32_768;
        }
    }
}
