using System.Globalization;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// Operating messages over HTTP on one real silo with an API key: the delivery receipt of a printed
/// message, the listing by due time with its cursor, and a message's deadline (expireAfter).
/// </summary>
[Collection(ApiSiloGroup.Name)]
public sealed class MessageOperationsTests(ApiSiloFixture api)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_printed_message_reads_back_with_when_it_printed_how_late_and_that_it_was_no_redelivery()
    {
        var marker = $"receipt-{Guid.NewGuid():N}";
        var accepted = await AcceptAsync(JsonSerializer.Serialize(new { time = 0, message = marker }));

        JsonElement state = default;
        await Conditions.WaitForAsync(async () =>
        {
            state = (await api.GetAsync($"/messages/{accepted.Id}")).Json();
            return state.GetProperty("status").GetString() == "printed";
        }, PrintTimeout, $"{accepted.Id} was not printed");

        Assert.Equal(["id", "dueAt", "status", "printedAt", "latenessMs", "redelivered"], state.EnumerateObject().Select(p => p.Name));
        var due = DateTimeOffset.Parse(accepted.DueAt, CultureInfo.InvariantCulture);
        var printedAt = DateTimeOffset.Parse(state.GetProperty("printedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(printedAt >= due, $"printed at {printedAt:O}, due {due:O}");
        Assert.Equal((long)(printedAt - due).TotalMilliseconds, state.GetProperty("latenessMs").GetInt64());
        Assert.False(state.GetProperty("redelivered").GetBoolean());
        Assert.Contains(api.Silo.StdoutLines(), l => l.EndsWith(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_listing_pages_through_a_range_in_due_then_acceptance_order_across_minutes_and_filters_by_status()
    {
        // Ten messages over three minutes a day ahead, accepted out of due order; one canceled.
        var start = DateTimeOffset.UtcNow.AddDays(2);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, TimeSpan.Zero);
        var tag = $"list-{Guid.NewGuid():N}";
        var plan = new[] { 125_000, 5_000, 65_000, 5_000, 0, 125_000, 59_999, 60_000, 5_000, 130_000 };
        var ids = new List<(string Id, long DueMs, int Index)>();
        for (var i = 0; i < plan.Length; i++)
        {
            var due = start.AddMilliseconds(plan[i]).ToUnixTimeMilliseconds();
            var accepted = await AcceptAsync(JsonSerializer.Serialize(new { time = due, message = $"{tag} {i}", expireAfter = i == 4 ? "PT1M" : null }));
            ids.Add((accepted.Id, due, i));
        }

        Assert.Equal(204, (await api.DeleteAsync($"/messages/{ids[3].Id}")).Status);
        var expected = ids.OrderBy(m => m.DueMs).ThenBy(m => m.Index).ToList();
        var range = $"from={start.ToUnixTimeMilliseconds()}&to={start.AddMinutes(3).ToUnixTimeMilliseconds() - 1}";

        // Pages of three: every message once, in order, each with its text and status.
        var listed = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await ListAsync($"?{range}&limit=3" + (cursor is null ? "" : $"&cursor={cursor}"));
            listed.AddRange(Mine(page, tag));
            cursor = page.GetProperty("next").GetString();
            Assert.True(++pages <= 10, "the cursor does not move on");
        }
        while (cursor is not null);

        Assert.Equal(expected.Select(m => m.Id), listed.Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(expected.Select(m => $"{tag} {m.Index}"), listed.Select(m => m.GetProperty("message").GetString()));
        Assert.Equal(expected.Select(m => m.Index == 3 ? "canceled" : "scheduled"), listed.Select(m => m.GetProperty("status").GetString()));
        Assert.Equal(60_000, listed.Single(m => m.GetProperty("id").GetString() == ids[4].Id).GetProperty("expireAfterMs").GetInt64());

        // A status filter and a narrower range.
        var canceled = await ListAsync($"?{range}&status=canceled");
        Assert.Equal([ids[3].Id], Mine(canceled, tag).Select(m => m.GetProperty("id").GetString()));
        var second = await ListAsync($"?from={start.AddMinutes(1).ToUnixTimeMilliseconds()}&to={start.AddMinutes(2).ToUnixTimeMilliseconds() - 1}");
        Assert.Equal(expected.Where(m => m.DueMs >= start.AddMinutes(1).ToUnixTimeMilliseconds() && m.DueMs < start.AddMinutes(2).ToUnixTimeMilliseconds()).Select(m => m.Id),
            Mine(second, tag).Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task A_message_with_expireAfter_that_prints_on_time_prints_and_its_idempotent_repeat_must_ask_the_same_deadline()
    {
        var marker = $"deadline-{Guid.NewGuid():N}";
        var key = $"k-{Guid.NewGuid():N}";
        var body = JsonSerializer.Serialize(new { time = 0, message = marker, expireAfter = "PT1M" });
        var accepted = await AcceptAsync(body, key);

        await Conditions.WaitForAsync(async () =>
            (await api.GetAsync($"/messages/{accepted.Id}")).Json().GetProperty("status").GetString() == "printed", PrintTimeout, $"{accepted.Id} was not printed");

        Assert.Equal(accepted.Id, (await AcceptAsync(body, key)).Id);
        var other = await api.PostJsonAsync("/echoAtTime", JsonSerializer.Serialize(new { time = 0, message = marker, expireAfter = "PT2M" }), headers: ("Idempotency-Key", key));
        Assert.True(other.Status == 409, other.ToString());
    }

    // Other tests of this silo may schedule into the same minutes (random bodies pick random times).
    private static List<JsonElement> Mine(JsonElement page, string tag) =>
        page.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("message").GetString()!.StartsWith(tag, StringComparison.Ordinal)).ToList();

    private async Task<JsonElement> ListAsync(string query)
    {
        var response = await api.GetAsync("/messages" + query, withKey: true);
        Assert.True(response.Status == 200, $"GET /messages{query}: {response}");
        return response.Json();
    }

    private async Task<(string Id, string DueAt)> AcceptAsync(string body, string? key = null)
    {
        var response = key is null
            ? await api.PostJsonAsync("/echoAtTime", body)
            : await api.PostJsonAsync("/echoAtTime", body, headers: ("Idempotency-Key", key));
        Assert.True(response.Status == 202, response.ToString());
        var json = response.Json();
        return (json.GetProperty("id").GetString()!, json.GetProperty("dueAt").GetString()!);
    }
}
