using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// One healthy silo whose store connection loses the reply to an append that Redis ran: the client
/// gets 503 and retries with the same idempotency key, as the API documents. The retry's answer (the
/// original's id) must wake the minute's printer as an append does: the lost reply took the append's notice with it,
/// and nothing else is appended before the message is due. The sweep, the net under lost notices, runs every 20 s
/// here, so a printer that learns of the message only from it, or from the next message's commit, prints it late.
/// </summary>
public sealed class ReplyLossTests
{
    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_keyed_message_whose_append_reply_was_lost_prints_once_on_time_and_in_order_after_its_retry()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var proxy = new RedisFaultProxy(redis.Port);
        await proxy.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        await using var silo = TestService.Start("silo", TestService.SiloDll, new Dictionary<string, string>
        {
            ["Redis__ConnectionString"] = proxy.ConnectionString,
            ["Orleans__ClusterId"] = $"reply-{Guid.NewGuid():N}",
            ["Orleans__SiloPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Echo__Output"] = "json",
            ["Echo__SweepInterval"] = "00:00:20",
            // The printer loads a minute from WakeLead before it, and a notice earlier than that leaves it to the
            // sweep. When the due times below fall in the next minute (up to 11 s ahead), 5 s (the default) made the
            // premise false: the printer had not loaded the minute before the lost append, so the 20 s sweep loaded
            // it and both messages printed late (seen in a suite run: 7.4 s late). 15 s: it always has.
            ["Echo__WakeLead"] = "00:00:15",
        });
        await silo.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(30));

        // A minute that is near, so its printer has loaded it before the lost append. Three seconds between the due
        // times: the lost connection's reconnect and clock probe take up to seconds on a loaded machine (1.5 s seen).
        var start = NowMs + 2_000;
        start = TimeSlot.Of(start) == TimeSlot.Of(start + 9_000) ? start : TimeSlot.StartMs(TimeSlot.Of(start + 9_000));
        var tag = $"{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, silo, start + 9_000, tag + " c", key: null)).Status);

        var dropped = proxy.DropReplyToNext(c => c.IsScriptOn(":l") && c.Args.Any(a => a.Contains(tag + " a", StringComparison.Ordinal)));
        var (lost, _) = await PostAsync(http, silo, start + 3_000, tag + " a", key: tag);
        await dropped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, lost);
        var lostAnsweredMs = NowMs;

        // The documented retry: same key, until the silo's store connection is back.
        string? retriedId = null;
        await Conditions.WaitForAsync(async () =>
        {
            var (status, id) = await PostAsync(http, silo, start + 3_000, tag + " a", key: tag);
            retriedId = id;
            return status == HttpStatusCode.Accepted;
        }, TimeSpan.FromSeconds(15), "the retry was not accepted");
        var retryAcceptedMs = NowMs;

        List<PrintedLine> Printed() => [.. silo.Printed().Where(l => l.Message.StartsWith(tag, StringComparison.Ordinal))];
        await Conditions.WaitForAsync(() => Task.FromResult(Printed().Count >= 2), TimeSpan.FromSeconds(30), "two lines were not printed");
        var printed = Printed();
        Assert.Equal(new[] { tag + " a", tag + " c" }, printed.Select(l => l.Message));
        Assert.Equal(retriedId, printed[0].Id);
        Assert.All(printed, l => Assert.False(l.Redelivered));
        var report = Invariants.Check(printed);
        Assert.True(report.Holds && report.Flagged == 0, report.ToString());

        // On time: printed at its own due time (or at the retry, should that come after it), not found later by the
        // sweep or when the next message's batch was committed.
        Assert.True(printed[0].PrintedMs < printed[1].DueMs, $"the lost append printed {printed[0].PrintedMs - printed[0].DueMs} ms late (503 at {lostAnsweredMs - printed[0].DueMs} ms, retry accepted at {retryAcceptedMs - printed[0].DueMs} ms, from its due time)");
        Assert.Equal(2, Printed().Count);
    }

    private static async Task<(HttpStatusCode Status, string? Id)> PostAsync(HttpClient http, ServiceProcess silo, long dueMs, string message, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(silo.BaseUrl, "echoAtTime"))
        {
            Content = JsonContent.Create(new { time = dueMs, message }),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.GetProperty("id").GetString());
    }
}
