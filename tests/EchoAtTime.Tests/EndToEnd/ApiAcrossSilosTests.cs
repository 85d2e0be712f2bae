using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// Idempotency and cancel with real processes: across silos, across a restart, and racing the printer.
/// </summary>
public sealed class ApiAcrossSilosTests(ITestOutputHelper output)
{
    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static Task<(HttpStatusCode Status, string? Id)> PostWithKeyAsync(ProcessCluster cluster, ServiceProcess silo, string key, long time, string message) =>
        EchoRequests.PostAsync(cluster.Http, silo, time, message, key);

    [Fact]
    public async Task An_idempotency_key_schedules_once_across_silos_and_restarts_and_refuses_a_different_request()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 2);
        var key = $"order-{Guid.NewGuid():N}";
        var tag = $"idem {Guid.NewGuid():N}";
        var due = NowMs + 8_000;

        var first = await PostWithKeyAsync(cluster, cluster.Silo(0), key, due, tag);
        var again = await PostWithKeyAsync(cluster, cluster.Silo(1), key, due, tag);
        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal((HttpStatusCode.Accepted, first.Id), again);

        await cluster.StopAllSilosAsync();
        await Task.WhenAll(cluster.StartSiloAsync(0), cluster.StartSiloAsync(1));
        Assert.Equal((HttpStatusCode.Accepted, first.Id), await PostWithKeyAsync(cluster, cluster.Silo(1), key, due, tag));
        Assert.Equal(HttpStatusCode.Conflict, (await PostWithKeyAsync(cluster, cluster.Silo(0), key, due, tag + " changed")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await PostWithKeyAsync(cluster, cluster.Silo(0), key, due + 1, tag)).Status);

        // A marker due later: once it printed, anything due before it has printed (order), copies included.
        var (markerStatus, _) = await cluster.PostAsync(cluster.Silo(0), due + 500, tag + " marker");
        Assert.Equal(HttpStatusCode.Accepted, markerStatus);
        await cluster.WaitForPrintedAsync(p => p.Any(l => l.Message == tag + " marker"), TimeSpan.FromSeconds(30), "the marker did not print");
        var printed = cluster.Printed().Where(l => l.Message == tag).ToList();
        Assert.Equal(first.Id, Assert.Single(printed).Id.ToString());
    }

    [Fact]
    public async Task Cancel_racing_the_due_time_leaves_each_message_either_printed_or_canceled_never_both_and_both_outcomes_occur()
    {
        const int Early = 5, Racing = 60, Late = 5;
        await using var cluster = await ProcessCluster.StartAsync(silos: 2);
        var tag = $"race {Guid.NewGuid():N}";
        var due = NowMs + 3_000;

        // Around the 60 racing messages, due within 300 ms: 5 due 2 s before them (printed before any cancel
        // fires, so their cancels must lose) and 5 due a minute after (their cancels must win). Both outcomes
        // occur in every run, however the race in between falls.
        var dues = Enumerable.Repeat(due - 2_000, Early)
            .Concat(Enumerable.Range(0, Racing).Select(i => due + (i * 5)))
            .Concat(Enumerable.Repeat(due + 60_000, Late))
            .ToArray();
        var ids = new List<string>();
        for (var i = 0; i < dues.Length; i++)
        {
            var (status, id) = await cluster.PostAsync(cluster.Silo(i % 2), dues[i], $"{tag} {i:D2}");
            Assert.Equal(HttpStatusCode.Accepted, status);
            ids.Add(id.ToString());
        }

        var early = ids[..Early].ToHashSet();
        await cluster.WaitForPrintedAsync(p => early.IsSubsetOf(p.Select(l => l.Id.ToString())), TimeSpan.FromSeconds(30), "the early messages did not print");

        // The scenario: every cancel fires in the middle of the 300 ms in which the racing messages fall due,
        // from both silos at once, so some lose the race to the printer and some win it.
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, due + 150 - NowMs)));
        var cancels = await Task.WhenAll(ids.Select(async (id, i) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(cluster.Silo(i % 2).BaseUrl, $"messages/{id}"));
            using var response = await cluster.Http.SendAsync(request);
            return (Id: id, response.StatusCode);
        }));

        Assert.All(cancels[..Early], c => Assert.Equal(HttpStatusCode.Conflict, c.StatusCode));
        Assert.All(cancels[^Late..], c => Assert.Equal(HttpStatusCode.NoContent, c.StatusCode));

        // Every message not canceled prints; then the record of each must match its cancel answer.
        var expectedPrinted = cancels.Where(c => c.StatusCode == HttpStatusCode.Conflict).Select(c => c.Id).ToHashSet();
        await cluster.WaitForPrintedAsync(p => expectedPrinted.IsSubsetOf(p.Select(l => l.Id.ToString())), TimeSpan.FromSeconds(30), "messages whose cancel came too late did not print");
        var printed = cluster.Printed().Where(l => l.Message.StartsWith(tag, StringComparison.Ordinal)).Select(l => l.Id.ToString()).ToList();

        Assert.All(cancels, c => Assert.Contains(c.StatusCode, new[] { HttpStatusCode.NoContent, HttpStatusCode.Conflict }));
        foreach (var (id, status) in cancels)
        {
            var times = printed.Count(p => p == id);
            Assert.True(status == HttpStatusCode.NoContent ? times == 0 : times == 1, $"{id}: cancel answered {(int)status} but it printed {times} time(s)");
            using var state = JsonDocument.Parse(await cluster.Http.GetStringAsync(new Uri(cluster.Silo(0).BaseUrl, $"messages/{id}")));
            Assert.Equal(status == HttpStatusCode.NoContent ? "canceled" : "printed", state.RootElement.GetProperty("status").GetString());
        }

        var racing = cancels[Early..^Late];
        output.WriteLine($"cancel race: of {Racing} racing, {racing.Count(c => c.StatusCode == HttpStatusCode.NoContent)} canceled, "
                         + $"{racing.Count(c => c.StatusCode == HttpStatusCode.Conflict)} already printing or printed");
    }
}
