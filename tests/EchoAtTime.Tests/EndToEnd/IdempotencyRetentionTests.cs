using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>An idempotency key holds for <c>Echo:Retention</c> after its request was accepted, and no longer.</summary>
public sealed class IdempotencyRetentionTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_key_repeated_within_the_retention_answers_the_original_id_and_after_it_schedules_anew()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 1, new Dictionary<string, string> { ["Echo__Retention"] = "00:00:02" });
        var silo = cluster.Silo(0);
        var key = $"retention-{Guid.NewGuid():N}";
        var due = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 120_000;

        var since = Stopwatch.StartNew();
        var first = await PostAsync(cluster.Http, silo, key, due);
        var repeat = await PostAsync(cluster.Http, silo, key, due);
        var repeatedWithin = since.Elapsed;
        Assert.True(repeatedWithin < Retention, $"the repeat took {repeatedWithin}: too slow to judge the retention");
        Assert.Equal(first, repeat);

        // Keep repeating: the first answer with another id is the key's expiry, no sooner than the retention.
        string? renewed = null;
        await Conditions.WaitForAsync(async () =>
        {
            var id = await PostAsync(cluster.Http, silo, key, due);
            renewed = id == first ? null : id;
            return renewed is not null;
        }, Retention + TimeSpan.FromSeconds(10), "the key still answered the original id long after its retention");
        Assert.True(since.Elapsed >= Retention, $"the key was forgotten after {since.Elapsed}, before its retention of {Retention}");

        // The fresh acceptance holds the key again.
        Assert.Equal(renewed, await PostAsync(cluster.Http, silo, key, due));
    }

    private static async Task<string> PostAsync(HttpClient http, ServiceProcess silo, string key, long dueMs)
    {
        var (status, id) = await EchoRequests.PostAsync(http, silo, dueMs, $"retention {key}", key);
        Assert.Equal(HttpStatusCode.Accepted, status);
        return id!;
    }
}
