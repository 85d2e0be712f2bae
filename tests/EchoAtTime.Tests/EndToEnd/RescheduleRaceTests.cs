using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// <c>PATCH /messages/{id}</c> where it can go wrong: racing the printer's fence, and a silo that dies
/// after the move took the message from its minute and before it arrived in the new one (the fault
/// rig holds the store connection right after the move-out script ran, then the silo is killed).
/// A message prints at its old time or at its new one, never both and never neither.
/// </summary>
public sealed class RescheduleRaceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(45);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_reschedule_whose_silo_dies_after_it_took_the_message_prints_once_as_the_new_message_finished_by_another_silo()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var proxy = new RedisFaultProxy(redis.Port);
        await proxy.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var clusterId = $"move-{Guid.NewGuid():N}";
        await using var dying = TestService.Start("dying", TestService.SiloDll, TestService.SiloEnvironment(proxy.ConnectionString, clusterId));
        await using var survivor = TestService.Start("survivor", TestService.SiloDll, TestService.SiloEnvironment(redis.ConnectionString, clusterId));
        await Task.WhenAll(dying.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(30)), survivor.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(30)));

        // From a minute ahead to a few seconds from now: another minute.
        var marker = $"moved-{Guid.NewGuid():N}";
        var oldId = await ScheduleAsync(http, survivor, TimeSlot.StartMs(TimeSlot.Of(NowMs) + 2) + 500, marker);
        var newDue = NowMs + 3_000;
        var held = proxy.HoldAfterNext(c => c.IsScriptOn(":k") && c.Args.Contains(newDue.ToString(CultureInfo.InvariantCulture)));
        var patch = PatchAsync(http, dying, oldId, newDue);
        var hold = await held.WaitAsync(TimeSpan.FromSeconds(10));
        await dying.KillAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => patch);

        // The move took the message: the old minute can no longer print it, and the new one does not hold it yet.
        Assert.Equal("moved", (await GetAsync(http, survivor, oldId)).GetProperty("status").GetString());

        string? newId = null;
        await Conditions.WaitForAsync(async () =>
        {
            newId = (await GetAsync(http, survivor, oldId)).TryGetProperty("movedTo", out var to) ? to.GetString() : null;
            return newId is not null && (await GetAsync(http, survivor, newId)).GetProperty("status").GetString() == "printed";
        }, PrintTimeout, "the interrupted move was not finished and printed");

        var printed = survivor.Printed().Where(l => l.Message == marker).ToList();
        Assert.Equal([newId], printed.Select(l => l.Id));
        Assert.True(printed[0].PrintedMs >= newDue, $"printed {newDue - printed[0].PrintedMs} ms early");
        Assert.DoesNotContain(dying.StdoutLines(), l => l.Contains(marker, StringComparison.Ordinal));
        hold.Release();
    }

    [Fact]
    public async Task Reschedules_racing_the_printer_each_print_once_at_the_old_time_or_the_new_one_as_their_answers_say()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        await using var silo = TestService.Start("silo", TestService.SiloDll, TestService.SiloEnvironment(redis.ConnectionString, $"race-{Guid.NewGuid():N}"));
        await silo.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(30));

        // Forty messages 25 ms apart, each moved 1.5 s later by a request sent within 8 ms of its
        // due time, so the moves meet the printer in every state: before, inside and after the
        // fence of the batch that prints the message.
        var tag = $"race-{Guid.NewGuid():N}";
        var start = NowMs + 1_000;
        var jitter = new Random(40);
        var olds = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => ScheduleAsync(http, silo, start + (i * 25), $"{tag} {i}")));
        var answers = await Task.WhenAll(olds.Select(async (id, i) =>
        {
            // Not a wait for an outcome: the moment each request is sent is what the race is about.
            var due = start + (i * 25);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, due + jitter.Next(-8, 9) - NowMs)));
            return await PatchOrConflictAsync(http, silo, id, due + 1_500);
        }));

        List<PrintedLine> Mine() => [.. silo.Printed().Where(l => l.Message.StartsWith(tag, StringComparison.Ordinal))];
        await Conditions.WaitForAsync(() => Task.FromResult(Mine().Count >= olds.Length), PrintTimeout, "not every message printed");

        var lines = Mine();
        output.WriteLine($"race: {answers.Count(a => a is not null)} moved, {answers.Count(a => a is null)} printed where they were");
        for (var i = 0; i < olds.Length; i++)
        {
            var mine = lines.Where(l => l.Message == $"{tag} {i}").ToList();
            Assert.True(mine.Count == 1, $"message {i} printed {mine.Count} times");
            Assert.Equal(answers[i] ?? olds[i], mine[0].Id);
            Assert.True(mine[0].PrintedMs >= mine[0].DueMs, $"message {i} printed early");
            Assert.Equal(answers[i] is null ? "printed" : "moved", (await GetAsync(http, silo, olds[i])).GetProperty("status").GetString());
        }

        var report = Invariants.Check(lines);
        Assert.True(report.Holds && report.Flagged == 0, report.ToString());
        Assert.Equal(olds.Length, Mine().Count);
    }

    private static async Task<string> ScheduleAsync(HttpClient http, ServiceProcess silo, long dueMs, string message)
    {
        using var response = await http.PostAsJsonAsync(new Uri(silo.BaseUrl, "echoAtTime"), new { time = dueMs, message });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient http, ServiceProcess silo, string id, long dueMs) =>
        http.PatchAsJsonAsync(new Uri(silo.BaseUrl, $"messages/{id}"), new { time = dueMs });

    /// <summary>The new id (200), or null when the message was already printing (409).</summary>
    private static async Task<string?> PatchOrConflictAsync(HttpClient http, ServiceProcess silo, string id, long dueMs)
    {
        using var response = await PatchAsync(http, silo, id, dueMs);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, ServiceProcess silo, string id)
    {
        using var response = await http.GetAsync(new Uri(silo.BaseUrl, $"messages/{id}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
