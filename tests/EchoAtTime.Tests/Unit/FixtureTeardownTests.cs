using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using EchoAtTime.Tests.Api;
using EchoAtTime.Tests.Cluster;
using EchoAtTime.Tests.EndToEnd;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// A fixture whose store cannot start (its port is taken) fails its start, and its teardown neither
/// throws (which would hide the start's error and skip the rest of the cleanup) nor leaves a store
/// process behind; a second teardown is harmless too (xunit may call it after the fixture's own).
/// </summary>
public sealed class FixtureTeardownTests
{
    public static TheoryData<string> Fixtures() => ["redis", "slot cluster", "API silo", "API gateway", "cluster processes"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task A_fixture_whose_store_failed_to_start_tears_down_without_throwing_and_leaves_no_store_running(string name)
    {
        var (fixture, redis) = Create(name);
        using var squatter = new TcpListener(IPAddress.Loopback, redis.Port);
        squatter.Start();

        await Assert.ThrowsAnyAsync<Exception>(fixture.InitializeAsync);
        squatter.Stop();

        var disposing = await Record.ExceptionAsync(fixture.DisposeAsync);
        Assert.True(disposing is null, $"teardown threw after a failed start: {disposing}");
        Assert.Null(await Record.ExceptionAsync(fixture.DisposeAsync));
        Assert.Empty(StoreProcessesOn(redis.Port));
    }

    private static (IAsyncLifetime Fixture, RedisServer Redis) Create(string name) => name switch
    {
        "redis" => Pair(new RedisFixture(), f => f.Server),
        "slot cluster" => Pair(new SlotClusterFixture(), f => f.Redis),
        "API silo" => Pair(new ApiSiloFixture(), f => f.Redis),
        "API gateway" => Pair(new ApiGatewayFixture(), f => f.Redis),
        _ => Pair(new ClusterProcessesFixture(), f => f.Redis),
    };

    private static (IAsyncLifetime, RedisServer) Pair<T>(T fixture, Func<T, RedisServer> redis) where T : IAsyncLifetime => (fixture, redis(fixture));

    /// <summary>
    /// Pids of store processes (redis-server, or the Garnet host) started with this port on their command line.
    /// </summary>
    private static List<int> StoreProcessesOn(int port)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // redis-server rewrites its title to "redis-server 127.0.0.1:PORT", so match words, not arguments.
            var line = string.Join(' ', args);
            var isStore = line.Contains("redis-server", StringComparison.Ordinal) || line.Contains("EchoAtTime.GarnetHost.dll", StringComparison.Ordinal);
            if (isStore && Regex.IsMatch(line, $"(?<![0-9]){portText}(?![0-9])"))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }
}
