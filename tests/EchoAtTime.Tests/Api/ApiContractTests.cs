using System.Globalization;
using System.Text;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// The HTTP contract on one real silo with an API key: idempotency keys, batch answers (202, 207,
/// 400), message status and cancel, the key on every write endpoint and the dashboard, and the
/// OpenAPI document.
/// </summary>
[Collection(ApiSiloGroup.Name)]
public sealed class ApiContractTests(ApiSiloFixture api, ITestOutputHelper output)
{
    private const string Single = "/echoAtTime";
    private const string Batch = "/echoAtTime/batch";
    private const string IdempotencyKey = "Idempotency-Key";
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(20);

    // ---------------------------------------------------------------- idempotency

    [Fact]
    public async Task The_same_key_and_the_same_request_again_get_the_original_id_and_due_time()
    {
        var key = NewKey();
        var due = DateTimeOffset.UtcNow.AddHours(2);
        var body = Item(Iso(due), "idempotent");

        var first = Accept(await api.PostJsonAsync(Single, body, headers: (IdempotencyKey, key)));
        var again = Accept(await api.PostJsonAsync(Single, body, headers: (IdempotencyKey, key)));
        var viaBodyId = Accept(await api.PostJsonAsync(Single, Item(Iso(due), "idempotent", id: key)));
        var headerAndBody = Accept(await api.PostJsonAsync(Single, Item(Iso(due), "idempotent", id: key), headers: (IdempotencyKey, key)));
        var sameInstantAsEpochMs = Accept(await api.PostJsonAsync(Single,
            JsonSerializer.Serialize(new { time = due.ToUnixTimeMilliseconds(), message = "idempotent" }), headers: (IdempotencyKey, key)));

        Assert.All([again, viaBodyId, headerAndBody, sameInstantAsEpochMs], repeat => Assert.Equal(first, repeat));
        Assert.Equal(Iso(due), first.DueAt);
        await AssertStatus(first.Id, "scheduled", first.DueAt);
    }

    [Fact]
    public async Task A_repeated_past_request_keeps_its_first_id_and_due_time_after_the_clock_moved()
    {
        var key = NewKey();
        var body = Item("2000-01-01T00:00:00Z", "past and repeated");
        var first = Accept(await api.PostJsonAsync(Single, body, headers: (IdempotencyKey, key)));

        // Past times are clamped to "now": let now move past the first due time, then repeat.
        var firstDue = DateTimeOffset.Parse(first.DueAt, CultureInfo.InvariantCulture);
        await Conditions.WaitForAsync(() => Task.FromResult(DateTimeOffset.UtcNow > firstDue.AddMilliseconds(5)),
            TimeSpan.FromSeconds(5), "the clock did not move");
        var again = Accept(await api.PostJsonAsync(Single, body, headers: (IdempotencyKey, key)));

        Assert.Equal(first, again);
    }

    [Fact]
    public async Task The_same_key_for_a_different_request_is_a_409_naming_the_header_and_changes_nothing()
    {
        var key = NewKey();
        var due = DateTimeOffset.UtcNow.AddHours(3);
        var original = Accept(await api.PostJsonAsync(Single, Item(Iso(due), "original"), headers: (IdempotencyKey, key)));

        var otherMessage = await api.PostJsonAsync(Single, Item(Iso(due), "another message"), headers: (IdempotencyKey, key));
        var otherMinute = await api.PostJsonAsync(Single, Item(Iso(due.AddDays(1)), "original"), headers: (IdempotencyKey, key));
        var otherMillisecond = await api.PostJsonAsync(Single, Item(Iso(due.AddMilliseconds(1)), "original"), headers: (IdempotencyKey, key));

        foreach (var conflict in new[] { otherMessage, otherMinute, otherMillisecond })
        {
            AssertConflict(conflict, IdempotencyKey);
        }

        await AssertStatus(original.Id, "scheduled", original.DueAt);
        Assert.Equal(original, Accept(await api.PostJsonAsync(Single, Item(Iso(due), "original"), headers: (IdempotencyKey, key))));
    }

    [Fact]
    public async Task A_body_id_reused_for_a_different_request_is_a_409_naming_id()
    {
        var key = NewKey();
        var due = DateTimeOffset.UtcNow.AddHours(4);
        var original = Accept(await api.PostJsonAsync(Single, Item(Iso(due), "first", id: key)));

        AssertConflict(await api.PostJsonAsync(Single, Item(Iso(due), "second", id: key)), "id");
        AssertConflict(await api.PostJsonAsync(Single, Item(Iso(due.AddMinutes(7)), "first", id: key)), "id");
        await AssertStatus(original.Id, "scheduled", original.DueAt);
    }

    [Fact]
    public async Task The_idempotencyKey_field_is_the_same_key_as_the_header_and_the_older_id_field()
    {
        var key = NewKey();
        var due = Iso(DateTimeOffset.UtcNow.AddHours(4));
        var body = JsonSerializer.Serialize(new { time = due, message = "named", idempotencyKey = key });

        var first = Accept(await api.PostJsonAsync(Single, body));
        Assert.Equal(first, Accept(await api.PostJsonAsync(Single, body)));
        Assert.Equal(first, Accept(await api.PostJsonAsync(Single, Item(due, "named"), headers: (IdempotencyKey, key))));
        Assert.Equal(first, Accept(await api.PostJsonAsync(Single, Item(due, "named", id: key))));
        Assert.Equal(first, Accept(await api.PostJsonAsync(Single, JsonSerializer.Serialize(new { time = due, message = "named", idempotencyKey = key, id = key }))));

        var disagreeing = await api.PostJsonAsync(Single, JsonSerializer.Serialize(new { time = due, message = "named", idempotencyKey = key, id = NewKey() }));
        HostileRequestTests.AssertProblem(disagreeing, 400);
        Assert.Equal(["id"], disagreeing.ErrorKeys());
        AssertConflict(await api.PostJsonAsync(Single, JsonSerializer.Serialize(new { time = due, message = "another", idempotencyKey = key })), "idempotencyKey");
        await AssertStatus(first.Id, "scheduled", first.DueAt);
    }

    [Theory]
    [InlineData("/echoAtTime", "text/plain")]
    [InlineData("/echoAtTime", null)]
    [InlineData("/echoAtTime/batch", "application/xml")]
    public async Task A_body_not_declared_as_JSON_is_a_415_that_says_to_send_application_json(string path, string? contentType)
    {
        var response = await api.SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(Item("0", "m")), contentType);

        HostileRequestTests.AssertProblem(response, 415);
        var json = response.Json();
        var said = $"{json.GetProperty("title").GetString()} {(json.TryGetProperty("detail", out var detail) ? detail.GetString() : "")}";
        Assert.Contains("Content-Type: application/json", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_object_names_both_required_fields_at_once()
    {
        var response = await api.PostJsonAsync(Single, "{}");

        HostileRequestTests.AssertProblem(response, 400);
        Assert.Equal(["message", "time"], response.ErrorKeys()!.Order(StringComparer.Ordinal));
    }

    // ---------------------------------------------------------------- batch

    [Fact]
    public async Task A_batch_of_valid_items_is_202_with_index_status_id_and_due_time_per_item_in_order()
    {
        var now = DateTimeOffset.UtcNow;
        var dues = new[] { now.AddHours(1), now.AddHours(2), now.AddMinutes(90) };
        var body = $$"""
            [{"time":"{{Iso(dues[0])}}","message":"b0"},
             {"time":"{{dues[1].ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture)}}","message":"b1"},
             {"time":{{dues[2].ToUnixTimeMilliseconds()}},"message":"b2","id":"{{NewKey()}}"}]
            """;

        var response = await api.PostJsonAsync(Batch, body);

        Assert.True(response.Status == 202, response.ToString());
        var items = response.Json().EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            Assert.Equal(["index", "status", "id", "dueAt"], items[i].EnumerateObject().Select(p => p.Name));
            Assert.Equal(i, items[i].GetProperty("index").GetInt32());
            Assert.Equal(202, items[i].GetProperty("status").GetInt32());
            Assert.Equal(Iso(dues[i]), items[i].GetProperty("dueAt").GetString());
            await AssertStatus(items[i].GetProperty("id").GetString()!, "scheduled", Iso(dues[i]));
        }
    }

    [Fact]
    public async Task A_batch_with_some_invalid_items_is_207_with_errors_per_item_and_the_valid_ones_scheduled()
    {
        var due = Iso(DateTimeOffset.UtcNow.AddHours(1));
        var body = $$"""
            [{"time":"{{due}}","message":"ok0"},
             {"time":"nope","message":"bad time"},
             {"time":"{{due}}","message":"ok2"},
             {"time":"{{due}}","message":""},
             5,
             {"time":"{{due}}","message":"bad id","id":7}]
            """;

        var response = await api.PostJsonAsync(Batch, body);

        Assert.True(response.Status == 207, response.ToString());
        var items = response.Json().EnumerateArray().ToList();
        Assert.Equal(6, items.Count);
        var expectedErrors = new Dictionary<int, string> { [1] = "[1].time", [3] = "[3].message", [4] = "[4]", [5] = "[5].id" };
        for (var i = 0; i < items.Count; i++)
        {
            Assert.Equal(i, items[i].GetProperty("index").GetInt32());
            if (expectedErrors.TryGetValue(i, out var key))
            {
                Assert.Equal(["index", "status", "errors"], items[i].EnumerateObject().Select(p => p.Name));
                Assert.Equal(400, items[i].GetProperty("status").GetInt32());
                Assert.Equal([key], items[i].GetProperty("errors").EnumerateObject().Select(p => p.Name));
                Assert.NotEmpty(items[i].GetProperty("errors").GetProperty(key).EnumerateArray());
            }
            else
            {
                Assert.Equal(["index", "status", "id", "dueAt"], items[i].EnumerateObject().Select(p => p.Name));
                Assert.Equal(202, items[i].GetProperty("status").GetInt32());
                await AssertStatus(items[i].GetProperty("id").GetString()!, "scheduled", due);
            }
        }
    }

    [Fact]
    public async Task A_batch_of_only_invalid_items_is_a_400_validation_problem_keyed_by_item_and_field()
    {
        var due = Iso(DateTimeOffset.UtcNow.AddHours(1));
        var body = $$"""
            [{"message":"no time"},
             {"time":"{{due}}","message":42},
             {"time":"{{due}}","message":"m","id":""},
             [],
             {"time":"{{Iso(DateTimeOffset.UtcNow.AddDays(400))}}","message":"too far"}]
            """;

        var response = await api.PostJsonAsync(Batch, body);

        HostileRequestTests.AssertProblem(response, 400);
        Assert.Equal(["[0].time", "[1].message", "[2].id", "[3]", "[4].time"], response.ErrorKeys()!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Batch_item_ids_repeat_and_conflict_item_by_item()
    {
        var (reused, fresh) = (NewKey(), NewKey());
        var due = Iso(DateTimeOffset.UtcNow.AddHours(5));
        var original = Accept(await api.PostJsonAsync(Single, Item(due, "A", id: reused)));
        var body = $"[{Item(due, "A", id: reused)},{Item(due, "B", id: reused)},{Item(due, "C", id: fresh)},{Item(due, "C", id: fresh)}]";

        var response = await api.PostJsonAsync(Batch, body);

        Assert.True(response.Status == 207, response.ToString());
        var items = response.Json().EnumerateArray().ToList();
        Assert.Equal([202, 409, 202, 202], items.Select(i => i.GetProperty("status").GetInt32()));
        Assert.Equal(original.Id, items[0].GetProperty("id").GetString());
        Assert.Equal(["[1].id"], items[1].GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.False(items[1].TryGetProperty("id", out _));
        Assert.NotEqual(original.Id, items[2].GetProperty("id").GetString());
        Assert.Equal(items[2].GetProperty("id").GetString(), items[3].GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_batch_of_exactly_1000_items_is_accepted_and_1001_is_refused()
    {
        var due = Iso(DateTimeOffset.UtcNow.AddHours(6));
        string Of(int count) => "[" + string.Join(',', Enumerable.Range(0, count).Select(i => Item(due, $"n{i}"))) + "]";

        var thousand = await api.PostJsonAsync(Batch, Of(1000));
        var tooMany = await api.PostJsonAsync(Batch, Of(1001));

        Assert.True(thousand.Status == 202, thousand.ToString());
        var ids = thousand.Json().EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Equal(1000, ids.Count);
        Assert.Equal(1000, ids.Distinct().Count());
        HostileRequestTests.AssertProblem(tooMany, 400);
        Assert.Equal(["$"], tooMany.ErrorKeys());
    }

    // ---------------------------------------------------------------- status and cancel

    [Fact]
    public async Task A_scheduled_message_reads_back_with_its_id_due_time_and_status_without_the_key()
    {
        var accepted = Accept(await api.PostJsonAsync(Single, Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "read me")));

        var response = await api.GetAsync($"/messages/{accepted.Id}", withKey: false);

        Assert.True(response.Status == 200, response.ToString());
        var json = response.Json();
        Assert.Equal(["id", "dueAt", "status"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(accepted.Id, json.GetProperty("id").GetString());
        Assert.Equal(accepted.DueAt, json.GetProperty("dueAt").GetString());
        Assert.Equal("scheduled", json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ids_next_to_a_real_one_are_unknown()
    {
        var accepted = Accept(await api.PostJsonAsync(Single, Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "neighbour")));
        var (due, seq) = ParseId(accepted.Id);

        foreach (var id in new[] { $"{due}-{seq + 1000}", $"{due + 1}-{seq}", $"{due - 1}-{seq}", $"{due}-{seq}-0", $"{due}-{seq}x", $"{due}-+{seq}" })
        {
            var get = await api.GetAsync($"/messages/{id}");
            Assert.True(get.Status == 404, $"GET {id}: {get}");
            var delete = await api.DeleteAsync($"/messages/{id}");
            Assert.True(delete.Status == 404, $"DELETE {id}: {delete}");
        }

        await AssertStatus(accepted.Id, "scheduled", accepted.DueAt);
    }

    [Fact]
    public async Task Cancel_is_204_then_the_message_reads_canceled_and_a_second_cancel_is_204_again()
    {
        var accepted = Accept(await api.PostJsonAsync(Single, Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "cancel me")));

        var first = await api.DeleteAsync($"/messages/{accepted.Id}");
        Assert.True(first.Status == 204, first.ToString());
        Assert.Empty(first.Body);
        await AssertStatus(accepted.Id, "canceled", accepted.DueAt);

        var second = await api.DeleteAsync($"/messages/{accepted.Id}");
        Assert.True(second.Status == 204, second.ToString());
        await AssertStatus(accepted.Id, "canceled", accepted.DueAt);
    }

    [Fact]
    public async Task Cancel_without_the_key_is_401_and_the_message_stays_scheduled()
    {
        var accepted = Accept(await api.PostJsonAsync(Single, Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "keep me")));

        var response = await api.DeleteAsync($"/messages/{accepted.Id}", withKey: false);

        HostileRequestTests.AssertProblem(response, 401);
        await AssertStatus(accepted.Id, "scheduled", accepted.DueAt);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("-1-0")]
    [InlineData("1--0")]
    [InlineData("1-0-0")]
    [InlineData("99999999999999999999-0")]
    [InlineData("1-99999999999")]
    [InlineData("253402300800000-0")]
    [InlineData("1000-0")]
    public async Task Malformed_and_unknown_ids_are_404_for_both_get_and_cancel(string id)
    {
        var get = await api.GetAsync($"/messages/{id}");
        var delete = await api.DeleteAsync($"/messages/{id}");

        Assert.True(get.Status == 404, $"GET {id}: {get}");
        Assert.True(delete.Status == 404, $"DELETE {id}: {delete}");
    }

    // ---------------------------------------------------------------- API key

    [Theory]
    [InlineData("POST /echoAtTime", "none")]
    [InlineData("POST /echoAtTime", "empty")]
    [InlineData("POST /echoAtTime", "wrong")]
    [InlineData("POST /echoAtTime", "upper case")]
    [InlineData("POST /echoAtTime", "lower case")]
    [InlineData("POST /echoAtTime", "one short")]
    [InlineData("POST /echoAtTime", "one more")]
    [InlineData("POST /echoAtTime", "basic wrong")]
    [InlineData("POST /echoAtTime/batch", "none")]
    [InlineData("POST /echoAtTime/batch", "wrong")]
    [InlineData("POST /echoAtTime/batch", "upper case")]
    [InlineData("POST /echoAtTime/batch", "one short")]
    [InlineData("POST /echoAtTime/batch", "one more")]
    [InlineData("DELETE /messages/{id}", "none")]
    [InlineData("DELETE /messages/{id}", "wrong")]
    [InlineData("DELETE /messages/{id}", "lower case")]
    [InlineData("DELETE /messages/{id}", "one short")]
    [InlineData("DELETE /messages/{id}", "one more")]
    public async Task Every_write_endpoint_refuses_a_missing_or_wrong_key_and_takes_the_right_one(string endpoint, string variant)
    {
        var accepted = Accept(await api.PostJsonAsync(Single, Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "guarded")));
        (string, string)? header = variant switch
        {
            "none" => null,
            "empty" => (ApiSiloFixture.KeyHeader, ""),
            "wrong" => (ApiSiloFixture.KeyHeader, "wrong"),
            "upper case" => (ApiSiloFixture.KeyHeader, api.ApiKey.ToUpperInvariant()),
            "lower case" => (ApiSiloFixture.KeyHeader, api.ApiKey.ToLowerInvariant()),
            "one short" => (ApiSiloFixture.KeyHeader, api.ApiKey[..^1]),
            "one more" => (ApiSiloFixture.KeyHeader, api.ApiKey + "0"),
            "basic wrong" => ("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("any:" + api.ApiKey.ToUpperInvariant()))),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        (string, string)[] headers = header is { } h ? [h] : [];

        Task<ApiResponse> Send(bool withKey, params (string, string)[] extra) => endpoint switch
        {
            "POST /echoAtTime" => api.PostJsonAsync(Single, Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "with key?"), withKey, extra),
            "POST /echoAtTime/batch" => api.PostJsonAsync(Batch, $"[{Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "with key?")}]", withKey, extra),
            _ => api.DeleteAsync($"/messages/{accepted.Id}", withKey, extra),
        };

        var refused = await Send(withKey: false, headers);
        HostileRequestTests.AssertProblem(refused, 401);
        await AssertStatus(accepted.Id, "scheduled", accepted.DueAt);

        var allowed = await Send(withKey: true);
        Assert.True(allowed.Status == (endpoint.StartsWith("DELETE", StringComparison.Ordinal) ? 204 : 202), allowed.ToString());
    }

    [Fact]
    public async Task Reads_health_and_the_openapi_document_stay_open_without_the_key()
    {
        var accepted = Accept(await api.PostJsonAsync(Single, Item(Iso(DateTimeOffset.UtcNow.AddHours(1)), "open read")));

        var expectations = new (string Path, int Status)[]
        {
            ($"/messages/{accepted.Id}", 200), ("/messages/1000-0", 404), ("/messages/abc", 404),
            ("/health", 200), ("/health/live", 200), ("/health/ready", 200), ("/openapi/v1.json", 200),
        };
        foreach (var (path, status) in expectations)
        {
            var response = await api.GetAsync(path, withKey: false);
            Assert.True(response.Status == status, $"GET {path} without key: {response}");
        }
    }

    [Fact]
    public async Task The_dashboard_asks_for_the_key_with_a_basic_challenge_and_opens_with_it_as_password()
    {
        string Basic(string userAndPassword) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword));

        var anonymous = await api.GetAsync("/dashboard/");
        HostileRequestTests.AssertProblem(anonymous, 401);
        Assert.StartsWith("Basic", anonymous.Header("WWW-Authenticate") ?? "(none)", StringComparison.Ordinal);

        foreach (var wrong in new[] { Basic("any:wrong"), Basic("any:" + api.ApiKey.ToUpperInvariant()), Basic(api.ApiKey), Basic("any:" + api.ApiKey[..^1]), "Bearer " + api.ApiKey })
        {
            var refused = await api.GetAsync("/dashboard/", headers: ("Authorization", wrong));
            Assert.True(refused.Status == 401, $"{wrong}: {refused}");
            Assert.StartsWith("Basic", refused.Header("WWW-Authenticate") ?? "(none)", StringComparison.Ordinal);
        }

        var opened = await api.GetAsync("/dashboard/", headers: ("Authorization", Basic("any:" + api.ApiKey)));
        Assert.True(opened.Status == 200, opened.ToString());
        var anyUser = await api.GetAsync("/dashboard/", headers: ("Authorization", Basic("someone else:" + api.ApiKey)));
        Assert.True(anyUser.Status == 200, anyUser.ToString());
    }

    // ---------------------------------------------------------------- OpenAPI

    [Fact]
    public async Task The_openapi_document_lists_the_schedule_batch_and_message_endpoints()
    {
        var response = await api.GetAsync("/openapi/v1.json");

        Assert.True(response.Status == 200, response.ToString());
        var json = response.Json();
        Assert.StartsWith("3.", json.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = json.GetProperty("paths");
        var listed = paths.EnumerateObject().Select(p => p.Name).ToList();
        output.WriteLine($"paths: {string.Join(", ", listed)}");
        Assert.Contains("/echoAtTime", listed);
        Assert.Contains("/echoAtTime/batch", listed);
        Assert.Contains("/messages/{id}", listed);
        Assert.DoesNotContain(listed, p => p.StartsWith("/dashboard", StringComparison.OrdinalIgnoreCase));

        Assert.True(paths.GetProperty("/echoAtTime").TryGetProperty("post", out var schedule));
        Assert.True(schedule.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _),
            "POST /echoAtTime documents an application/json body");
        Assert.True(paths.GetProperty("/echoAtTime/batch").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/messages/{id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/messages/{id}").TryGetProperty("delete", out _));
    }

    [Theory]
    [InlineData("/echoAtTime", "post", "202,400,401,409,413,415,503")]
    [InlineData("/echoAtTime/batch", "post", "202,207,400,401,409,413,415,503")]
    [InlineData("/messages/{id}", "get", "200,404,503")]
    [InlineData("/messages", "get", "200,400,401,503")]
    [InlineData("/messages/summary", "get", "200,400,401,503")]
    [InlineData("/messages/{id}", "delete", "204,401,404,409,503")]
    [InlineData("/messages/{id}", "patch", "200,400,401,404,409,413,415,503")]
    public async Task The_openapi_document_lists_every_answer_an_endpoint_gives(string path, string method, string statuses)
    {
        var json = (await api.GetAsync("/openapi/v1.json")).Json();

        var responses = json.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
        var listed = responses.EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.All(statuses.Split(','), status => Assert.True(listed.Contains(status), $"{method} {path} does not list {status} (lists {string.Join(", ", listed.Order())})"));
    }

    // ---------------------------------------------------------------- times and output

    [Fact]
    public async Task The_due_time_is_the_asked_instant_in_utc_rounded_up_to_the_millisecond_and_a_past_time_is_now()
    {
        var asked = DateTimeOffset.UtcNow.AddHours(1);
        var whole = new DateTimeOffset(asked.Ticks - (asked.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var withOffset = whole.ToOffset(TimeSpan.FromHours(5.5)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        var subMillisecond = whole.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture) + "0001Z";
        var noOffset = whole.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture);

        Assert.Equal(Iso(whole), (Accept(await api.PostJsonAsync(Single, Item(withOffset, "offset")))).DueAt);
        Assert.Equal(Iso(whole.AddMilliseconds(1)), (Accept(await api.PostJsonAsync(Single, Item(subMillisecond, "rounded up")))).DueAt);
        Assert.Equal(Iso(whole), (Accept(await api.PostJsonAsync(Single, Item(noOffset, "utc")))).DueAt);
        Assert.Equal(Iso(whole), (Accept(await api.PostJsonAsync(Single,
            $$"""{"time":"{{whole.ToUnixTimeMilliseconds()}}","message":"epoch string"}"""))).DueAt);

        // "Now" is the cluster clock's (AcceptClock): the store's, never ahead of it and up to one round trip of its
        // measurement behind; within Echo:MaxClockSkew (50 ms) of this machine's, which the store runs on.
        var before = DateTimeOffset.UtcNow.AddMilliseconds(-50);
        var past = Accept(await api.PostJsonAsync(Single, Item("1999-12-31T23:59:59Z", "past")));
        var after = DateTimeOffset.UtcNow.AddMilliseconds(1);
        var pastDue = DateTimeOffset.Parse(past.DueAt, CultureInfo.InvariantCulture);
        Assert.InRange(pastDue, before, after);
    }

    [Fact]
    public async Task Control_characters_are_accepted_and_printed_escaped_on_one_line()
    {
        var marker = $"ctl-{Guid.NewGuid():N}";
        var message = marker + " a\nb\r\u001b[31mred\u001b[0m\u0007 \\ \u2028 end \U0001F600";
        var accepted = Accept(await api.PostJsonAsync(Single, JsonSerializer.Serialize(new { time = 0, message })));

        string? line = null;
        await Conditions.WaitForAsync(() =>
        {
            line = api.Silo.StdoutLines().FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal));
            return Task.FromResult(line is not null);
        }, PrintTimeout, $"{accepted.Id} was not printed");

        Assert.Equal($"{accepted.DueAt} {marker} a\\nb\\r\\u001b[31mred\\u001b[0m\\u0007 \\\\ \\u2028 end \U0001F600", line);
    }

    // ---------------------------------------------------------------- helpers

    private sealed record Accepted(string Id, string DueAt);

    private static string NewKey() => $"ct-{Guid.NewGuid():N}";

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Item(string time, string message, string? id = null) => id is null
        ? JsonSerializer.Serialize(new { time, message })
        : JsonSerializer.Serialize(new { time, message, id });

    private static (long Due, int Seq) ParseId(string id)
    {
        Assert.True(MessageId.TryParse(id, out var parsed), $"not an id: {id}");
        return (parsed.DueMs, parsed.Seq);
    }

    private static Accepted Accept(ApiResponse response)
    {
        Assert.True(response.Status == 202, $"Expected 202: {response}");
        HostileRequestTests.AssertAccepted(response);
        var json = response.Json();
        return new Accepted(json.GetProperty("id").GetString()!, json.GetProperty("dueAt").GetString()!);
    }

    private static void AssertConflict(ApiResponse response, string field)
    {
        HostileRequestTests.AssertProblem(response, 409);
        Assert.Equal(field, response.Json().GetProperty("field").GetString());
    }

    private async Task AssertStatus(string id, string status, string dueAt)
    {
        var response = await api.GetAsync($"/messages/{id}");
        Assert.True(response.Status == 200, $"GET /messages/{id}: {response}");
        var json = response.Json();
        Assert.Equal(id, json.GetProperty("id").GetString());
        Assert.Equal(dueAt, json.GetProperty("dueAt").GetString());
        Assert.Equal(status, json.GetProperty("status").GetString());
    }
}
