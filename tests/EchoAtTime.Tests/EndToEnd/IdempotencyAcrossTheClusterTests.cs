using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// Idempotency keys and the message endpoints on the whole deployment (two silos and the gateway):
/// one key sent to both silos at once, and status and cancel through the gateway.
/// </summary>
[Collection(ClusterProcessesGroup.Name)]
public sealed class IdempotencyAcrossTheClusterTests(ClusterProcessesFixture cluster)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(30);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task One_idempotency_key_sent_to_both_silos_at_once_schedules_one_message_that_prints_once()
    {
        var tag = $"concurrent {Guid.NewGuid():N}";
        var due = NowMs + 5_000;

        // Many rounds, each key sent to both silos at the same moment: the two appends race in Redis.
        const int Keys = 20;
        var answers = await Task.WhenAll(Enumerable.Range(0, Keys).Select(async k =>
        {
            var key = $"{tag}-{k}";
            var both = await Task.WhenAll(PostAsync(cluster.SiloA, key, due, $"{tag} {k:D2}"), PostAsync(cluster.SiloB, key, due, $"{tag} {k:D2}"));
            return (Key: key, A: both[0], B: both[1]);
        }));

        // The contract (docs/api.md): a repeat of the same request with the same key answers 202 with the original id.
        Assert.All(answers, a =>
        {
            Assert.Equal(HttpStatusCode.Accepted, a.A.Status);
            Assert.Equal(HttpStatusCode.Accepted, a.B.Status);
            Assert.True(a.A.Id == a.B.Id, $"{a.Key}: silo-a answered {a.A.Id}, silo-b {a.B.Id}");
        });

        // A marker due later: once it printed, anything due before it has printed (order), copies included.
        var marker = await PostAsync(cluster.SiloA, $"{tag}-marker", due + 500, $"{tag} marker");
        Assert.Equal(HttpStatusCode.Accepted, marker.Status);
        await WaitForPrintedAsync(lines => lines.Any(l => l.Message == $"{tag} marker"), "the marker did not print");
        var printed = Printed().Where(l => l.Message.StartsWith(tag, StringComparison.Ordinal) && l.Message != $"{tag} marker").ToList();
        Assert.Equal(Keys, printed.Count);
        Assert.Equal(answers.Select(a => a.A.Id).Order(), printed.Select(l => l.Id.ToString()).Order());
    }

    [Fact]
    public async Task Status_and_cancel_through_the_gateway_answer_for_messages_accepted_by_a_silo()
    {
        var tag = $"gateway ops {Guid.NewGuid():N}";
        var printing = await PostAsync(cluster.SiloA, key: null, NowMs + 3_000, $"{tag} prints");
        var canceling = await PostAsync(cluster.SiloB, key: null, NowMs + 60_000, $"{tag} canceled");
        Assert.Equal(HttpStatusCode.Accepted, printing.Status);
        Assert.Equal(HttpStatusCode.Accepted, canceling.Status);

        Assert.Equal("scheduled", await StatusAsync(cluster.Gateway, canceling.Id!));
        using (var cancel = await cluster.Http.DeleteAsync(new Uri(cluster.Gateway.BaseUrl, $"messages/{canceling.Id}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        }

        Assert.Equal("canceled", await StatusAsync(cluster.Gateway, canceling.Id!));
        Assert.Equal("canceled", await StatusAsync(cluster.SiloA, canceling.Id!));

        // The other one prints; then the gateway says so, and refuses to cancel it.
        await WaitForPrintedAsync(lines => lines.Any(l => l.Id.ToString() == printing.Id), "the message did not print");
        Assert.Equal("printed", await StatusAsync(cluster.Gateway, printing.Id!));
        using var late = await cluster.Http.DeleteAsync(new Uri(cluster.Gateway.BaseUrl, $"messages/{printing.Id}"));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.DoesNotContain(Printed(), l => l.Id.ToString() == canceling.Id);
    }

    private List<PrintedLine> Printed() =>
        [.. cluster.Silos.SelectMany(s => s.Printed())];

    private Task WaitForPrintedAsync(Func<List<PrintedLine>, bool> condition, string what) =>
        Conditions.WaitForAsync(() => Task.FromResult(condition(Printed())), PrintTimeout, $"{what}\n{cluster.Diagnostics()}");

    private async Task<string?> StatusAsync(ServiceProcess target, string id)
    {
        using var state = JsonDocument.Parse(await cluster.Http.GetStringAsync(new Uri(target.BaseUrl, $"messages/{id}")));
        return state.RootElement.GetProperty("status").GetString();
    }

    private Task<(HttpStatusCode Status, string? Id)> PostAsync(ServiceProcess target, string? key, long time, string message) =>
        EchoRequests.PostAsync(cluster.Http, target, time, message, key);
}
