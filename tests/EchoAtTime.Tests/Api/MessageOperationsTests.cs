using System.Globalization;
using System.Text.Json;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// Operating messages over HTTP on one real silo with an API key: the delivery receipt of a printed
/// message, the listing by due time with its cursor, a message's deadline (expireAfter), reschedule,
/// the summary of the messages page and the page's files behind the key.
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

    [Fact]
    public async Task A_rescheduled_message_prints_once_at_its_new_time_in_another_minute_and_its_old_id_answers_moved_with_the_new_one()
    {
        var marker = $"move-{Guid.NewGuid():N}";
        var old = await AcceptAsync(JsonSerializer.Serialize(new { time = DateTimeOffset.UtcNow.AddDays(2).ToUnixTimeMilliseconds(), message = marker, expireAfter = "PT1H" }));
        var newDue = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeMilliseconds();
        var body = JsonSerializer.Serialize(new { time = newDue });

        var moved = await api.PatchJsonAsync($"/messages/{old.Id}", body);
        Assert.True(moved.Status == 200, moved.ToString());
        var answer = moved.Json();
        Assert.Equal(["id", "dueAt", "movedFrom"], answer.EnumerateObject().Select(p => p.Name));
        var newId = answer.GetProperty("id").GetString()!;
        Assert.Equal(old.Id, answer.GetProperty("movedFrom").GetString());
        Assert.Equal(newDue, DateTimeOffset.Parse(answer.GetProperty("dueAt").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());

        // The old id: moved, naming the new one; a repeat of the move answers the same id; another time or a cancel is
        // refused.
        var state = (await api.GetAsync($"/messages/{old.Id}")).Json();
        Assert.Equal("moved", state.GetProperty("status").GetString());
        Assert.Equal(newId, state.GetProperty("movedTo").GetString());
        Assert.Equal(newId, (await api.PatchJsonAsync($"/messages/{old.Id}", body)).Json().GetProperty("id").GetString());
        var elsewhere = await api.PatchJsonAsync($"/messages/{old.Id}", JsonSerializer.Serialize(new { time = newDue + 5_000 }));
        Assert.True(elsewhere.Status == 409 && elsewhere.Text.Contains(newId, StringComparison.Ordinal), elsewhere.ToString());
        Assert.Equal(409, (await api.DeleteAsync($"/messages/{old.Id}")).Status);
        var listed = Mine(await ListAsync($"?from={old.DueAt}&to={old.DueAt}&status=moved"), marker).Single();
        Assert.Equal(newId, listed.GetProperty("movedTo").GetString());

        await Conditions.WaitForAsync(async () =>
            (await api.GetAsync($"/messages/{newId}")).Json().GetProperty("status").GetString() == "printed", PrintTimeout, $"{newId} was not printed");
        Assert.Single(api.Silo.StdoutLines(), l => l.EndsWith(marker, StringComparison.Ordinal));
        Assert.Equal(409, (await api.PatchJsonAsync($"/messages/{newId}", body)).Status);
    }

    [Fact]
    public async Task A_reschedule_is_refused_for_a_canceled_or_unknown_message_and_a_body_with_more_than_a_time_names_each_field()
    {
        var far = DateTimeOffset.UtcNow.AddDays(2).ToUnixTimeMilliseconds();
        var canceled = await AcceptAsync(JsonSerializer.Serialize(new { time = far, message = $"move-refused-{Guid.NewGuid():N}" }));
        Assert.Equal(204, (await api.DeleteAsync($"/messages/{canceled.Id}")).Status);
        var body = JsonSerializer.Serialize(new { time = far + 1 });

        Assert.Equal(409, (await api.PatchJsonAsync($"/messages/{canceled.Id}", body)).Status);
        Assert.Equal("canceled", (await api.GetAsync($"/messages/{canceled.Id}")).Json().GetProperty("status").GetString());
        Assert.Equal(404, (await api.PatchJsonAsync($"/messages/{far}-0-abc", body)).Status);
        Assert.Equal(404, (await api.PatchJsonAsync("/messages/nonsense", body)).Status);

        var invalid = await api.PatchJsonAsync($"/messages/{canceled.Id}", JsonSerializer.Serialize(new { message = "x", expireAfter = "PT1S" }));
        Assert.True(invalid.Status == 400, invalid.ToString());
        Assert.Equal(["message", "expireAfter", "time"], invalid.Json().GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(400, (await api.PatchJsonAsync($"/messages/{canceled.Id}", "[]")).Status);
        Assert.Equal(401, (await api.PatchJsonAsync($"/messages/{canceled.Id}", body, withKey: false)).Status);
    }

    [Fact]
    public async Task The_summary_counts_pending_messages_per_minute_ahead_and_what_became_of_the_messages_of_the_last_minutes()
    {
        var marker = $"summary-{Guid.NewGuid():N}";
        var ahead = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeMilliseconds();
        for (var i = 0; i < 3; i++)
        {
            await AcceptAsync(JsonSerializer.Serialize(new { time = ahead + i, message = $"{marker} {i}" }));
        }

        var now = await AcceptAsync(JsonSerializer.Serialize(new { time = 0, message = marker }));
        await Conditions.WaitForAsync(async () =>
            (await api.GetAsync($"/messages/{now.Id}")).Json().GetProperty("status").GetString() == "printed", PrintTimeout, $"{now.Id} was not printed");

        var response = await api.GetAsync("/messages/summary?hours=3", withKey: true);
        Assert.True(response.Status == 200, response.ToString());
        var summary = response.Json();
        var minute = EchoTime.Format(TimeSlot.StartMs(TimeSlot.Of(ahead)));
        Assert.True(summary.GetProperty("ahead").EnumerateArray().Single(m => m.GetProperty("minute").GetString() == minute).GetProperty("pending").GetInt64() >= 3);
        var printedIn = EchoTime.Format(TimeSlot.StartMs(TimeSlot.Of(DateTimeOffset.Parse(now.DueAt, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds())));
        Assert.True(summary.GetProperty("past").EnumerateArray().Single(m => m.GetProperty("minute").GetString() == printedIn).GetProperty("printed").GetInt64() >= 1);
        Assert.True(summary.GetProperty("lateness").EnumerateArray().Sum(b => b.GetProperty("batches").GetInt64()) >= 1);
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("lateness").EnumerateArray().Last().GetProperty("belowMs").ValueKind);

        Assert.Equal(400, (await api.GetAsync("/messages/summary?hours=7", withKey: true)).Status);
        Assert.Equal(401, (await api.GetAsync("/messages/summary")).Status);
    }

    [Fact]
    public async Task The_messages_page_and_its_files_are_served_behind_the_key_with_a_basic_challenge()
    {
        var denied = await api.GetAsync("/ui/");
        Assert.Equal(401, denied.Status);
        Assert.Equal("Basic realm=\"EchoAtTime\"", denied.Header("WWW-Authenticate"));
        var basic = ("Authorization", "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("any:" + api.ApiKey)));
        foreach (var (path, type) in new[] { ("/ui/", "text/html"), ("/ui/messages.js", "text/javascript"), ("/ui/messages.css", "text/css") })
        {
            var file = await api.GetAsync(path, withKey: false, basic);
            Assert.True(file.Status == 200 && file.MediaType == type && file.Body.Length > 100, $"{path}: {file}");
        }

        Assert.Equal(404, (await api.GetAsync("/ui/nothing.js", withKey: true)).Status);

        // The page's own calls get the same challenge, so the browser sends the key it was given.
        var list = await api.GetAsync("/messages?limit=1");
        Assert.Equal(401, list.Status);
        Assert.Equal("Basic realm=\"EchoAtTime\"", list.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task A_message_past_its_deadline_answers_expired_over_http_and_can_be_neither_canceled_nor_moved()
    {
        // As an outage leaves it: hours overdue with a deadline of a second, written where the silo's sweep finds it.
        var marker = $"expired-{Guid.NewGuid():N}";
        var slot = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) - 600 - Random.Shared.Next(300);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(api.Redis.ConnectionString);
        var appended = await new SlotStore(redis, Options.Create(new EchoOptions { AppendGrace = EarlierRun.AnyMinute })).AppendAsync(slot, [SlotElement.Encode(250, marker, 1_000)], 250);
        var id = new MessageId(TimeSlot.StartMs(slot) + 250, appended.Seqs[0], appended.Epoch).ToString();

        await Conditions.WaitForAsync(async () =>
            (await api.GetAsync($"/messages/{id}")).Json().GetProperty("status").GetString() == "expired", PrintTimeout, $"{id} did not expire");

        Assert.Equal(["id", "dueAt", "status"], (await api.GetAsync($"/messages/{id}")).Json().EnumerateObject().Select(p => p.Name));
        var canceled = await api.DeleteAsync($"/messages/{id}");
        Assert.True(canceled.Status == 409 && canceled.Text.Contains("expired", StringComparison.Ordinal), canceled.ToString());
        var moved = await api.PatchJsonAsync($"/messages/{id}", JsonSerializer.Serialize(new { time = 0 }));
        Assert.True(moved.Status == 409 && moved.Text.Contains("expired", StringComparison.Ordinal), moved.ToString());
        Assert.DoesNotContain(api.Silo.StdoutLines(), l => l.Contains(marker, StringComparison.Ordinal));
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
