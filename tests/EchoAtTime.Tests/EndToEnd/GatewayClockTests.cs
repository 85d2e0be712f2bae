using EchoAtTime.Testing;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// A gateway whose machine clock is wrong (libfaketime moves its wall clock, not its monotonic clock, as a machine
/// without time synchronisation has it) places a message due "now" by the store's clock: the write path reads the
/// cluster's one clock, which the gateway measures against the store as a silo does.
/// </summary>
public sealed class GatewayClockTests
{
    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Theory]
    [InlineData(20)]
    [InlineData(-20)]
    public async Task A_gateway_whose_clock_is_seconds_off_schedules_a_message_for_now_at_the_store_s_now(int offsetSeconds)
    {
        var library = Faketime.RequireLibrary("This test");
        await using var cluster = await ProcessCluster.StartAsync(1);
        var clockFile = Path.Combine(Path.GetTempPath(), $"echo-gateway-clock-{Guid.NewGuid():N}");
        await Faketime.SetOffsetAsync(clockFile, offsetSeconds);
        try
        {
            var environment = new Dictionary<string, string>(Faketime.Environment(library, clockFile))
            {
                ["Redis__ConnectionString"] = cluster.StoreConnectionString,
                ["Orleans__ClusterId"] = cluster.ClusterId,
            };
            await using var gateway = TestService.Start("gateway", TestService.GatewayDll, environment);
            await gateway.WaitUntilReadyAsync(cluster.Http, TimeSpan.FromSeconds(30));

            var askedAt = NowMs;
            var (status, id) = await cluster.PostAsync(gateway, 0, "now");
            var answeredAt = NowMs;

            Assert.Equal(System.Net.HttpStatusCode.Accepted, status);
            // This machine's clock is the store's: "now" between asking and the answer, not 20 s off it.
            Assert.InRange(id.DueMs, askedAt - 100, answeredAt + 100);
            await cluster.WaitForPrintedAsync(lines => lines.Any(l => l.Message == "now"), TimeSpan.FromSeconds(30), "the message for now");
        }
        finally
        {
            File.Delete(clockFile);
        }
    }
}
