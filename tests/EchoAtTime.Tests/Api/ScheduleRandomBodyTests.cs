using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// Seeded random create bodies for <c>POST /schedules</c> (cron fragments, zones, policies, deadlines, keys, wrong
/// types, stray fields, broken JSON): no answer is a 5xx, each is one the API documents, every 400 names only fields
/// of the request, and every 201 reads back. <c>ECHO_FUZZ_SEED</c> repeats a run.
/// </summary>
[Collection(ApiSiloGroup.Name)]
public sealed class ScheduleRandomBodyTests(ApiSiloFixture api, ITestOutputHelper output)
{
    private const int Requests = 400;
    private static readonly int[] Statuses = [201, 400, 409, 413, 415];
    private static readonly string[] Fields = ["$", "cron", "timeZone", "message", "misfire", "expireAfter", "idempotencyKey", "Idempotency-Key"];
    private static readonly string[] CronParts = ["*", "*/2", "0", "59", "60", "1-5", "MON-FRI", "L", "W", "?", "#", "JAN", "-1", "1,2,3", "a", "\u0000", "\u202e", "99999999999"];
    private static readonly string[] Zones = ["UTC", "Europe/Berlin", "America/New_York", "Etc/GMT+5", "", "Nowhere/City", "../../etc/passwd", "Europe/Berlin\n", "W. Europe Standard Time", "\ud83d\ude00"];
    private static readonly object?[] Odd = [null, 7, -1.5, true, new object[] { 1 }, new { a = 1 }, "", new string('x', 5000)];

    [Fact]
    public async Task Random_create_bodies_get_only_documented_answers_and_what_is_created_reads_back()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ECHO_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var bodies = Enumerable.Range(0, Requests).Select(_ => Body(random)).ToList();
        var created = new System.Collections.Concurrent.ConcurrentBag<string>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (body, ct) =>
        {
            var response = await api.SendAsync(HttpMethod.Post, "/schedules", Encoding.UTF8.GetBytes(body), ApiSiloFixture.Json, cancellationToken: ct);
            if (!Statuses.Contains(response.Status))
            {
                failures.Enqueue($"{response} for {body}");
            }
            else if (response.Status == 201)
            {
                created.Add(response.Json().GetProperty("id").GetString()!);
            }
            else if (response.Status == 400 && response.ErrorKeys() is { } keys && keys.Except(Fields).Any())
            {
                failures.Enqueue($"400 naming {string.Join(',', keys)} for {body}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(10)));
        foreach (var id in created)
        {
            Assert.Equal(200, (await api.GetAsync($"/schedules/{id}", withKey: true)).Status);
            Assert.Equal(204, (await api.DeleteAsync($"/schedules/{id}")).Status);
        }

        output.WriteLine($"{created.Count} of {Requests} created");
    }

    private static string Body(Random random)
    {
        if (random.Next(20) == 0)
        {
            return random.Next(3) switch { 0 => "{", 1 => "[]", _ => "{\"cron\":\"* * * * *\",\"message\":\"m\"" };
        }

        var fields = random.Next(6) + 5;
        var cron = string.Join(' ', Enumerable.Range(0, fields).Select(_ => random.Next(3) == 0 ? CronParts[random.Next(CronParts.Length)] : "*"));
        var body = new Dictionary<string, object?>
        {
            ["cron"] = random.Next(10) == 0 ? Odd[random.Next(Odd.Length)] : random.Next(8) == 0 ? "0 0 1 1 *" : cron,
            ["message"] = random.Next(10) == 0 ? Odd[random.Next(Odd.Length)] : $"fuzz {random.Next()}",
        };
        void Maybe(string name, Func<object?> value)
        {
            if (random.Next(2) == 0)
            {
                body[name] = value();
            }
        }

        Maybe("timeZone", () => random.Next(5) == 0 ? Odd[random.Next(Odd.Length)] : Zones[random.Next(Zones.Length)]);
        Maybe("misfire", () => new object?[] { "catchUp", "latest", "skip", "CatchUp", "", 3 }[random.Next(6)]);
        Maybe("expireAfter", () => new object?[] { "PT1M", 1000, 0, -5, "P9999D", "soon" }[random.Next(6)]);
        Maybe("idempotencyKey", () => new object?[] { $"k-{random.Next(5)}", "", "\u0001", 42 }[random.Next(4)]);
        Maybe("stray", () => Odd[random.Next(Odd.Length)]);
        return JsonSerializer.Serialize(body);
    }
}
