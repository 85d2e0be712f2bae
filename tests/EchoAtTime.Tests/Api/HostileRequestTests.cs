using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// Hostile and malformed requests against a real silo with an API key, and through the gateway in
/// front of one (the same rows, <see cref="HostileRequestsOnASilo"/> and
/// <see cref="HostileRequestsThroughTheGateway"/>): each row asserts the exact
/// status and, for a validation problem, the exact field its <c>errors</c> names. Header values may
/// hold <c>{key}</c> (the silo's key), <c>{KEY}</c> (upper-cased), <c>{key-1}</c> (one character
/// short) and <c>{basic}</c> (<c>base64("any:" + key)</c>), filled in when the row runs.
/// </summary>
public abstract partial class HostileRequestTests(ApiSiloFixture api, ITestOutputHelper output)
{
    private const string Single = "/echoAtTime";
    private const string Batch = "/echoAtTime/batch";
    private const int MaxBodyBytes = 1024 * 1024;

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(HostileRequestTests))]
    public async Task A_hostile_request_gets_its_exact_status_and_error_field(HostileRequest row)
    {
        var response = await SendAsync(row);
        output.WriteLine($"request: {row}");
        output.WriteLine($"body: {row.BodyPreview()}");
        output.WriteLine($"answer: {response}");

        Assert.True(response.Status < 500, $"A 5xx for client input: {response}");

        // The dashboard is the silo's alone (DESIGN: co-hosted on the silo); the gateway has no such route.
        if (api.Gateway is not null && row.Path.StartsWith("/dashboard", StringComparison.Ordinal))
        {
            Assert.True(response.Status == 404, $"Expected 404 (no dashboard on the gateway), got {response}");
            return;
        }

        Assert.True(row.Status == response.Status, $"Expected {row.Status}, got {response}");
        switch (row.Check)
        {
            case Check.Problem:
                AssertProblem(response, row.Status);
                break;
            case Check.NotJson:
                AssertProblem(response, 400);
                var json = response.Json();
                Assert.Equal(ApiResponse.NotJsonTitle, json.GetProperty("title").GetString());
                Assert.False(json.TryGetProperty("errors", out _), $"A body that is not JSON has no field errors: {response}");
                break;
            case Check.Validation:
                AssertProblem(response, 400);
                var keys = response.ErrorKeys();
                Assert.True(keys is not null, $"No errors object: {response}");
                Assert.Equal([row.ErrorKey!], keys);
                break;
            case Check.Accepted:
                AssertAccepted(response);
                break;
            case Check.StatusOnly:
            default:
                break;
        }
    }

    public static TheoryData<HostileRequest> Rows()
    {
        var rows = BuildRows();
        var data = new TheoryData<HostileRequest>();
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Number = i + 1;
            data.Add(rows[i]);
        }

        return data;
    }

    private static List<HostileRequest> BuildRows()
    {
        var now = DateTimeOffset.UtcNow;
        var future = Iso(now.AddDays(1));
        var futureMs = now.AddDays(1).ToUnixTimeMilliseconds();
        var tooFar = Iso(now.AddDays(400));
        var valid = $$"""{"time":"{{future}}","message":"m"}""";
        string Body(string time, string message = "\"m\"") => $$"""{"time":{{time}},"message":{{message}}}""";
        string WithId(string id) => $$"""{"time":"{{future}}","message":"m","id":{{id}}}""";
        string Huge(string prefix, string suffix) => prefix + new string('a', MaxBodyBytes + 1 - prefix.Length - suffix.Length + 16) + suffix;
        string NewKey() => $"k-{Guid.NewGuid():N}";
        var sameKey = NewKey();

        return
        [
            // ---- Content-Type: 415 problem details ----
            One("text/plain", valid, 415, Check.Problem).Type("text/plain"),
            One("no Content-Type", valid, 415, Check.Problem).Type(null),
            One("application/xml", "<echo><time>0</time></echo>", 415, Check.Problem).Type("application/xml"),
            One("form-urlencoded", "time=0&message=m", 415, Check.Problem).Type("application/x-www-form-urlencoded"),
            One("multipart form", "--x\r\n\r\n--x--", 415, Check.Problem).Type("multipart/form-data; boundary=x"),
            One("wildcard */*", valid, 415, Check.Problem).Type("*/*"),
            One("application/jsonx (not json)", valid, 415, Check.Problem).Type("application/jsonx"),
            One("garbage media type ;;;", valid, 415, Check.Problem).Type(";;;"),
            Many("batch as text/plain", $"[{valid}]", 415, Check.Problem).Type("text/plain"),
            Many("batch without Content-Type", $"[{valid}]", 415, Check.Problem).Type(null),
            One("JSON with charset", valid, 202, Check.Accepted).Type("application/json; charset=utf-8"),
            One("JSON media type in upper case", valid, 202, Check.Accepted).Type("APPLICATION/JSON"),
            One("a +json vendor type", valid, 202, Check.Accepted).Type("application/vnd.echo+json"),

            // ---- Size: 413 ----
            One("body 1 MiB + 16 bytes with Content-Length", Huge("{\"time\":0,\"message\":\"", "\"}"), 413, Check.Problem),
            One("body over 1 MiB sent chunked", Huge("{\"time\":0,\"message\":\"", "\"}"), 413, Check.Problem).AsChunked(),
            Many("batch over 1 MiB with Content-Length", Huge("[{\"time\":0,\"message\":\"", "\"}]"), 413, Check.Problem),
            Many("batch over 1 MiB sent chunked", Huge("[{\"time\":0,\"message\":\"", "\"}]"), 413, Check.Problem).AsChunked(),
            One("over 1 MiB of whitespace, chunked", new string(' ', MaxBodyBytes + 1) + valid, 413, Check.Problem).AsChunked(),

            // ---- Malformed JSON: 400, not JSON ----
            One("empty body", "", 400, Check.NotJson),
            One("truncated object", "{\"time\":", 400, Check.NotJson),
            One("truncated string", "{\"time\":\"2026-", 400, Check.NotJson),
            One("trailing garbage", valid + " x", 400, Check.NotJson),
            One("two objects", valid + valid, 400, Check.NotJson),
            One("NaN literal", Body("NaN"), 400, Check.NotJson),
            One("Infinity literal", Body("Infinity"), 400, Check.NotJson),
            One("-Infinity literal", Body("-Infinity"), 400, Check.NotJson),
            One("single quotes", "{'time':0,'message':'m'}", 400, Check.NotJson),
            One("block comment", "/* hi */" + valid, 400, Check.NotJson),
            One("line comment", "// hi\n" + valid, 400, Check.NotJson),
            One("trailing comma", $$"""{"time":"{{future}}","message":"m",}""", 400, Check.NotJson),
            One("unquoted property name", $$"""{time:"{{future}}","message":"m"}""", 400, Check.NotJson),
            One("raw newline inside a string", Body($"\"{future}\"", "\"a\nb\""), 400, Check.NotJson),
            One("invalid escape \\x", Body($"\"{future}\"", "\"\\x41\""), 400, Check.NotJson),
            One("short unicode escape \\u12", Body($"\"{future}\"", "\"\\u12\""), 400, Check.NotJson),
            One("bare word", "hello", 400, Check.NotJson),
            One("leading zero number 007", Body("007"), 400, Check.NotJson),
            OneBytes("invalid UTF-8 byte 0xFF in message", Utf8Around($$"""{"time":"{{future}}","message":"a""", [0xFF], "\"}"), 400, Check.NotJson),
            OneBytes("overlong UTF-8 (C0 AF) in time", Utf8Around("{\"time\":\"", [0xC0, 0xAF], "\",\"message\":\"m\"}"), 400, Check.NotJson),
            OneBytes("invalid UTF-8 in an unknown field", Utf8Around(valid[..^1] + ",\"x\":\"", [0xFE, 0xFF], "\"}"), 400, Check.NotJson),
            OneBytes("invalid UTF-8 in a property name", Utf8Around("{\"", [0xFF], "\":1," + valid[1..]), 400, Check.NotJson),
            OneBytes("truncated UTF-8 sequence in id", Utf8Around(WithId("\"a")[..^1], [0xE2, 0x82], "\"}"), 400, Check.NotJson),
            OneBytes("UTF-16 encoded body", Encoding.Unicode.GetBytes(valid), 400, Check.NotJson),
            One("nesting 17 deep in an extra field", valid[..^1] + ",\"x\":" + new string('[', 17) + new string(']', 17) + "}", 400, Check.NotJson),
            One("nesting 100 000 deep", new string('[', 100_000), 400, Check.NotJson),
            Many("batch truncated", $"[{valid},", 400, Check.NotJson),
            ManyBytes("batch with invalid UTF-8", Utf8Around("[{\"time\":0,\"message\":\"", [0xFF], "\"}]"), 400, Check.NotJson),

            // ---- Valid JSON that is not an object / not an array ----
            One("array instead of object", "[]", 400, "$"),
            One("string instead of object", "\"hello\"", 400, "$"),
            One("number instead of object", "42", 400, "$"),
            One("null instead of object", "null", 400, "$"),
            One("boolean instead of object", "true", 400, "$"),
            One("lone high surrogate escape in a property name", valid[..^1] + ",\"\\ud800\":1}", 400, "$"),
            One("lone low surrogate escape in a property name", "{\"x\\udc00\":1," + valid[1..], 400, "$"),
            One("lone surrogate escape in a nested property name is ignored", valid[..^1] + ",\"x\":{\"\\ud800\":1}}", 202, Check.Accepted),
            One("nesting 16 deep is still JSON (an array)", new string('[', 16) + new string(']', 16), 400, "$"),
            Many("batch: object instead of array", valid, 400, "$"),
            Many("batch: null", "null", 400, "$"),
            Many("batch: empty array", "[]", 400, "$"),
            Many("batch: 1001 items", "[" + string.Join(',', Enumerable.Repeat(valid, 1001)) + "]", 400, "$"),
            Many("batch with an Idempotency-Key header", $"[{valid}]", 400, "Idempotency-Key").Header("Idempotency-Key", NewKey()),
            Many("batch item is a number", "[1]", 400, "[0]"),
            Many("batch item has a bad time", """[{"time":"soon","message":"m"}]""", 400, "[0].time"),
            Many("batch item has an empty message", $$"""[{"time":"{{future}}","message":""}]""", 400, "[0].message"),
            Many("batch item has a numeric id", $"[{WithId("5")}]", 400, "[0].id"),
            Many("batch item with a lone surrogate time", """[{"time":"\ud800","message":"m"}]""", 400, "[0].time"),
            Many("batch item with a lone surrogate property name", $"[{valid[..^1]},\"\\ud800\":1}}]", 400, "[0]"),
            Many("batch: one valid, one invalid", $$"""[{{valid}},{"time":"x","message":"m"}]""", 207, Check.StatusOnly),

            // ---- time ----
            One("time missing", """{"message":"m"}""", 400, "time"),
            One("time null", Body("null"), 400, "time"),
            One("impossible date 2024-02-30", Body("\"2024-02-30T10:00:00Z\""), 400, "time"),
            One("month 13", Body("\"2026-13-01T10:00:00Z\""), 400, "time"),
            One("hour 25", Body("\"2026-11-24T25:00:00Z\""), 400, "time"),
            One("second 60", Body("\"2026-11-24T10:00:60Z\""), 400, "time"),
            One("date only", Body("\"2026-11-24\""), 400, "time"),
            One("\"tomorrow\"", Body("\"tomorrow\""), 400, "time"),
            One("US date 11/23/2026", Body("\"11/23/2026\""), 400, "time"),
            One("empty string", Body("\"\""), 400, "time"),
            One("whitespace", Body("\"   \""), 400, "time"),
            One("fraction 1.5", Body("1.5"), 400, "time"),
            One("1e30", Body("1e30"), 400, "time"),
            One("1e400 (beyond double)", Body("1e400"), 400, "time"),
            One("20-digit numeric string", Body("\"99999999999999999999\""), 400, "time"),
            One("below long.MinValue as a string", Body("\"-9223372036854775809\""), 400, "time"),
            One("epoch past year 9999", Body("253402300800000"), 400, "time"),
            One("epoch before year 1", Body("-62135596800001"), 400, "time"),
            One("boolean", Body("true"), 400, "time"),
            One("object", Body("{}"), 400, "time"),
            One("array", Body("[]"), 400, "time"),
            One("\"NaN\"", Body("\"NaN\""), 400, "time"),
            One("hex \"0x10\"", Body("\"0x10\""), 400, "time"),
            One("offset +99:00", Body("\"2026-11-24T10:00:00+99:00\""), 400, "time"),
            One("year 9999 pushed past the end by its offset", Body("\"9999-12-31T23:59:59.9999999-01:00\""), 400, "time"),
            One("more than 366 days ahead (ISO)", Body($"\"{tooFar}\""), 400, "time"),
            One("more than 366 days ahead (epoch ms)", Body(now.AddDays(400).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)), 400, "time"),
            One("lone surrogate escape in time", Body("\"\\ud800\""), 400, "time"),
            One("lone low surrogate escape in time", Body("\"2026\\udc00\""), 400, "time"),
            One("ISO with offset", Body($"\"{now.AddDays(1).ToOffset(TimeSpan.FromHours(2)):yyyy-MM-dd'T'HH:mm:ss.fffzzz}\""), 202, Check.Accepted),
            One("ISO without offset (UTC)", Body($"\"{now.AddDays(1).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss}\""), 202, Check.Accepted),
            One("ISO with a space and lower-case z", Body($"\"{now.AddDays(1).UtcDateTime:yyyy-MM-dd HH:mm:ss}z\""), 202, Check.Accepted),
            One("epoch ms number", Body(futureMs.ToString(CultureInfo.InvariantCulture)), 202, Check.Accepted),
            One("epoch ms numeric string", Body($"\"{futureMs.ToString(CultureInfo.InvariantCulture)}\""), 202, Check.Accepted),
            One("past time (year 2000) is due now", Body("\"2000-01-01T00:00:00Z\""), 202, Check.Accepted),
            One("epoch 0 is due now", Body("0"), 202, Check.Accepted),
            One("negative epoch is due now", Body("-1"), 202, Check.Accepted),

            // ---- message ----
            One("message missing", $$"""{"time":"{{future}}"}""", 400, "message"),
            One("message null", Body($"\"{future}\"", "null"), 400, "message"),
            One("message number", Body($"\"{future}\"", "42"), 400, "message"),
            One("message boolean", Body($"\"{future}\"", "false"), 400, "message"),
            One("message object", Body($"\"{future}\"", "{\"text\":\"m\"}"), 400, "message"),
            One("message array", Body($"\"{future}\"", "[\"m\"]"), 400, "message"),
            One("message empty", Body($"\"{future}\"", "\"\""), 400, "message"),
            One("message 4097 characters", Body($"\"{future}\"", $"\"{new string('x', 4097)}\""), 400, "message"),
            One("message 2049 emoji (4098 UTF-16 units)", Body($"\"{future}\"", $"\"{string.Concat(Enumerable.Repeat("\U0001F600", 2049))}\""), 400, "message"),
            One("message lone high surrogate escape", Body($"\"{future}\"", "\"\\ud800\""), 400, "message"),
            One("message lone low surrogate escape", Body($"\"{future}\"", "\"a\\udc00b\""), 400, "message"),
            One("message 4096 characters", Body($"\"{future}\"", $"\"{new string('x', 4096)}\""), 202, Check.Accepted),
            One("message of newlines and ANSI escapes", Body($"\"{future}\"", "\"a\\nb\\r\\n\\u001b[31mred\\u001b[0m\""), 202, Check.Accepted),
            One("message of emoji (escaped pair)", Body($"\"{future}\"", "\"\\ud83d\\ude00 ok\""), 202, Check.Accepted),
            One("message of control characters", Body($"\"{future}\"", "\"\\u0000\\u0007\\u007f\\u0085\\u2028\""), 202, Check.Accepted),

            // ---- id in the body ----
            One("id number", WithId("5"), 400, "id"),
            One("id boolean", WithId("true"), 400, "id"),
            One("id object", WithId("{}"), 400, "id"),
            One("id empty", WithId("\"\""), 400, "id"),
            One("id 201 characters", WithId($"\"{new string('k', 201)}\""), 400, "id"),
            One("id with a control character", WithId("\"a\\u0001b\""), 400, "id"),
            One("id with a newline", WithId("\"a\\nb\""), 400, "id"),
            One("id lone surrogate escape", WithId("\"\\ud800\""), 400, "id"),
            One("id differs from the Idempotency-Key header", WithId($"\"{NewKey()}\""), 400, "id").Header("Idempotency-Key", NewKey()),
            One("id of 200 characters", WithId($"\"{NewKey().PadRight(200, 'k')}\""), 202, Check.Accepted),

            // ---- expireAfter ----
            One("expireAfter zero", valid[..^1] + ",\"expireAfter\":0}", 400, "expireAfter"),
            One("expireAfter negative ms", valid[..^1] + ",\"expireAfter\":-5}", 400, "expireAfter"),
            One("expireAfter negative duration", valid[..^1] + ",\"expireAfter\":\"-PT5S\"}", 400, "expireAfter"),
            One("expireAfter fractional ms", valid[..^1] + ",\"expireAfter\":1.5}", 400, "expireAfter"),
            One("expireAfter beyond the limit", valid[..^1] + ",\"expireAfter\":\"P400D\"}", 400, "expireAfter"),
            One("expireAfter not a duration", valid[..^1] + ",\"expireAfter\":\"soon\"}", 400, "expireAfter"),
            One("expireAfter boolean", valid[..^1] + ",\"expireAfter\":true}", 400, "expireAfter"),
            One("expireAfter 1e400", valid[..^1] + ",\"expireAfter\":1e400}", 400, "expireAfter"),
            One("expireAfter ISO duration", valid[..^1] + ",\"expireAfter\":\"PT30S\"}", 202, Check.Accepted),
            One("expireAfter ms numeric string", valid[..^1] + ",\"expireAfter\":\"30000\"}", 202, Check.Accepted),
            One("expireAfter null is none", valid[..^1] + ",\"expireAfter\":null}", 202, Check.Accepted),

            // ---- Idempotency-Key header ----
            One("Idempotency-Key empty", valid, 400, "Idempotency-Key").Header("Idempotency-Key", ""),
            One("Idempotency-Key 201 characters", valid, 400, "Idempotency-Key").Header("Idempotency-Key", new string('k', 201)),
            One("Idempotency-Key sent twice", valid, 400, "Idempotency-Key").Header("Idempotency-Key", "twice").Header("Idempotency-Key", "twice").OverSocket(),
            One("Idempotency-Key with a tab inside", valid, 400, "Idempotency-Key").Header("Idempotency-Key", "a\tb").OverSocket(),
            One("Idempotency-Key equal to the body id", WithId($"\"{sameKey}\""), 202, Check.Accepted).Header("Idempotency-Key", sameKey),

            // ---- API key: 401 on every write ----
            One("no API key", valid, 401, Check.Problem).NoKey(),
            One("wrong API key", valid, 401, Check.Problem).NoKey().Header("X-Api-Key", "wrong"),
            One("empty API key", valid, 401, Check.Problem).NoKey().Header("X-Api-Key", ""),
            One("API key in upper case", valid, 401, Check.Problem).NoKey().Header("X-Api-Key", "{KEY}"),
            One("API key one character short", valid, 401, Check.Problem).NoKey().Header("X-Api-Key", "{key-1}"),
            One("API key with one character more", valid, 401, Check.Problem).NoKey().Header("X-Api-Key", "{key}x"),
            One("API key sent twice", valid, 401, Check.Problem).NoKey().Header("X-Api-Key", "{key}").Header("X-Api-Key", "{key}").OverSocket(),
            One("Basic auth with a wrong password", valid, 401, Check.Problem).NoKey().Header("Authorization", "Basic " + Convert.ToBase64String("any:wrong"u8)),
            One("Basic auth that is not base64", valid, 401, Check.Problem).NoKey().Header("Authorization", "Basic !!!"),
            Many("batch without API key", $"[{valid}]", 401, Check.Problem).NoKey(),
            Many("batch with a wrong API key", $"[{valid}]", 401, Check.Problem).NoKey().Header("X-Api-Key", "{KEY}"),
            Call("DELETE without API key", "DELETE", "/messages/1-0", 401, Check.Problem).NoKey(),
            Call("DELETE with a wrong API key", "DELETE", "/messages/1-0", 401, Check.Problem).NoKey().Header("X-Api-Key", "{key-1}"),

            // ---- GET / DELETE /messages/{id} ----
            Call("GET malformed id abc", "GET", "/messages/abc", 404).NoKey(),
            Call("GET malformed id 1-", "GET", "/messages/1-", 404).NoKey(),
            Call("GET malformed id -1", "GET", "/messages/-1", 404).NoKey(),
            Call("GET malformed id +1-0", "GET", "/messages/+1-0", 404).NoKey(),
            Call("GET huge due 99999999999999999999-0", "GET", "/messages/99999999999999999999-0", 404).NoKey(),
            Call("GET huge sequence 1-99999999999", "GET", "/messages/1-99999999999", 404).NoKey(),
            Call("GET due past year 9999", "GET", "/messages/253402300800000-0", 404).NoKey(),
            Call("GET id longer than 32 characters", "GET", "/messages/" + new string('1', 40) + "-0", 404).NoKey(),
            Call("GET unknown well-formed id", "GET", "/messages/1000-0", 404).NoKey(),
            Call("GET unknown id at the end of time", "GET", "/messages/253402300799999-2147483647", 404).NoKey(),
            Call("DELETE malformed id", "DELETE", "/messages/abc", 404),
            Call("DELETE unknown well-formed id", "DELETE", "/messages/1000-0", 404),
            Call("DELETE huge id", "DELETE", "/messages/99999999999999999999-99999999999", 404),
            Call("PUT /echoAtTime", "PUT", Single, 405),

            // ---- GET /messages: every bad parameter is a 400 naming it ----
            List("list with limit 0", "?limit=0", "limit"),
            List("list with limit 501", "?limit=501", "limit"),
            List("list with limit -1", "?limit=-1", "limit"),
            List("list with limit 1e3", "?limit=1e3", "limit"),
            List("list with a huge limit", "?limit=99999999999999999999", "limit"),
            List("list with an unknown status", "?status=done", "status"),
            List("list with status in upper case", "?status=PRINTED", "status"),
            List("list with a bad from", "?from=yesterday", "from"),
            List("list with from beyond year 9999", "?from=99999999999999999", "from"),
            List("list with to before from", "?from=2000&to=1000", "to"),
            List("list with a bad cursor", "?cursor=abc", "cursor"),
            List("list with a cursor of a huge sequence", "?cursor=1.99999999999", "cursor"),
            List("list with a cursor of 40 digits", "?cursor=" + new string('9', 40) + ".1", "cursor"),
            Call("list without API key", "GET", "/messages", 401, Check.Problem).NoKey(),
            Call("list with a wrong API key", "GET", "/messages", 401, Check.Problem).NoKey().Header("X-Api-Key", "{key-1}"),
            Call("summary for 0 hours", "GET", "/messages/summary?hours=0", 400, Check.Problem),
            Call("summary for 7 hours", "GET", "/messages/summary?hours=7", 400, Check.Problem),
            Call("summary for a fraction of an hour", "GET", "/messages/summary?hours=1.5", 400, Check.Problem),
            Call("summary without API key", "GET", "/messages/summary", 401, Check.Problem).NoKey(),
            Call("summary for one hour", "GET", "/messages/summary?hours=1", 200),
            Call("messages page without API key", "GET", "/ui/", 401, Check.Problem).NoKey(),
            Call("messages page with the key as Basic password", "GET", "/ui/", 200).NoKey().Header("Authorization", "Basic {basic}"),
            Call("messages page file that does not exist", "GET", "/ui/../appsettings.json", 404),
            Call("list of an empty range", "GET", "/messages?from=1000&to=2000&status=printed&limit=1", 200),
            Call("GET /echoAtTime", "GET", Single, 405),

            // ---- PATCH /messages/{id}: only a valid time, and only with the key ----
            Move("reschedule without a time", "{}", 400, "time"),
            Move("reschedule with time null", """{"time":null}""", 400, "time"),
            Move("reschedule with an unparseable time", """{"time":"soon"}""", 400, "time"),
            Move("reschedule with time as an object", """{"time":{}}""", 400, "time"),
            Move("reschedule beyond the schedule horizon", $$"""{"time":"{{Iso(DateTimeOffset.UtcNow.AddYears(5))}}"}""", 400, "time"),
            Move("reschedule that also changes the message", """{"time":0,"message":"new text"}""", 400, "message"),
            Move("reschedule with a lone surrogate in a property name", "{\"time\":0,\"\\udfff\":1}", 400, "$"),
            Move("reschedule with a control character in a property name", "{\"time\":0,\"a\\u0007\":1}", 400, "$"),
            Move("reschedule with a lone surrogate time", "{\"time\":\"\\ud800\"}", 400, "time"),
            Move("reschedule with a body that is an array", """[{"time":0}]""", 400, "$"),
            Move("reschedule with a body that is a string", "\"now\"", 400, "$"),
            MoveCall("reschedule with a body that is not JSON", "{time:0}", 400, Check.NotJson),
            MoveCall("reschedule of a malformed id", """{"time":0}""", 404, Check.Problem, "/messages/abc"),
            MoveCall("reschedule of an unknown well-formed id", """{"time":0}""", 404, Check.Problem),
            MoveCall("reschedule without API key", """{"time":0}""", 401, Check.Problem).NoKey(),
            MoveCall("reschedule with a wrong API key", """{"time":0}""", 401, Check.Problem).NoKey().Header("X-Api-Key", "{key-1}"),
            new HostileRequest { Description = "reschedule sent as text/plain", Method = "PATCH", Path = "/messages/1000-0", ContentType = "text/plain", Body = "{\"time\":0}"u8.ToArray(), Status = 415, Check = Check.Problem },

            // ---- /schedules: every bad field a 400 naming it, unknown ids 404, writes only with the key ----
            Schedule("schedule without a cron", """{"message":"m"}""", "cron"),
            Schedule("schedule with cron null", """{"cron":null,"message":"m"}""", "cron"),
            Schedule("schedule with a cron of four fields", """{"cron":"* * * *","message":"m"}""", "cron"),
            Schedule("schedule with a cron of seven fields", """{"cron":"* * * * * * *","message":"m"}""", "cron"),
            Schedule("schedule with minute 60", """{"cron":"60 * * * *","message":"m"}""", "cron"),
            Schedule("schedule with a cron as a number", """{"cron":5,"message":"m"}""", "cron"),
            Schedule("schedule that never fires (30 February)", """{"cron":"0 0 30 2 *","message":"m"}""", "cron"),
            Schedule("schedule in an unknown zone", """{"cron":"* * * * *","timeZone":"Mars/Olympus","message":"m"}""", "timeZone"),
            Schedule("schedule in a zone that is a path", """{"cron":"* * * * *","timeZone":"../../etc/passwd","message":"m"}""", "timeZone"),
            Schedule("schedule in a zone given as an object", """{"cron":"* * * * *","timeZone":{},"message":"m"}""", "timeZone"),
            Schedule("schedule without a message", """{"cron":"* * * * *"}""", "message"),
            Schedule("schedule with an empty message", """{"cron":"* * * * *","message":""}""", "message"),
            Schedule("schedule with a lone surrogate message", "{\"cron\":\"* * * * *\",\"message\":\"\\ud800\"}", "message"),
            Schedule("schedule with an unknown misfire policy", """{"cron":"* * * * *","message":"m","misfire":"sometimes"}""", "misfire"),
            Schedule("schedule with expireAfter negative", """{"cron":"* * * * *","message":"m","expireAfter":-1}""", "expireAfter"),
            Schedule("schedule with an idempotency key of 300 characters", $$"""{"cron":"* * * * *","message":"m","idempotencyKey":"{{new string('k', 300)}}"}""", "idempotencyKey"),
            Schedule("schedule whose body is an array", """[{"cron":"* * * * *","message":"m"}]""", "$"),
            ScheduleCall("schedule whose body is not JSON", "{cron:1}", 400, Check.NotJson),
            ScheduleCall("schedule without API key", """{"cron":"* * * * *","message":"m"}""", 401, Check.Problem).NoKey(),
            ScheduleCall("schedule with a wrong API key", """{"cron":"* * * * *","message":"m"}""", 401, Check.Problem).NoKey().Header("X-Api-Key", "{key-1}"),
            ScheduleCall("schedule sent as text/plain", """{"cron":"* * * * *","message":"m"}""", 415, Check.Problem).Type("text/plain"),
            ScheduleCall("schedule body over 1 MiB", Huge("""{"cron":"* * * * *","message":" """, "\"}"), 413, Check.Problem),
            new HostileRequest { Description = "schedule list with limit 0", Method = "GET", Path = "/schedules?limit=0", ContentType = null, Status = 400, ErrorKey = "limit", Check = Check.Validation },
            new HostileRequest { Description = "schedule list with a cursor not from a page", Method = "GET", Path = "/schedules?cursor=%27%3B--", ContentType = null, Status = 400, ErrorKey = "cursor", Check = Check.Validation },
            Call("unknown schedule", "GET", "/schedules/s-unknown", 404, Check.Problem),
            Call("schedule id of 2 000 characters", "GET", "/schedules/" + new string('x', 2_000), 404, Check.Problem),
            Call("delete of an unknown schedule", "DELETE", "/schedules/s-unknown", 404, Check.Problem),
            Call("delete of a schedule without API key", "DELETE", "/schedules/s-unknown", 401, Check.Problem).NoKey(),
            Call("pause of an unknown schedule", "POST", "/schedules/s-unknown/pause", 404, Check.Problem),
            Call("resume of an unknown schedule", "POST", "/schedules/s-unknown/resume", 404, Check.Problem),
            Call("pause without API key", "POST", "/schedules/s-unknown/pause", 401, Check.Problem).NoKey(),

            // ---- What stays open, and the dashboard ----
            Call("GET /health without key", "GET", "/health", 200).NoKey(),
            Call("GET /health/ready without key", "GET", "/health/ready", 200).NoKey(),
            Call("GET /openapi/v1.json without key", "GET", "/openapi/v1.json", 200).NoKey(),
            Call("GET /dashboard/ without key", "GET", "/dashboard/", 401, Check.Problem).NoKey(),
            Call("GET /dashboard/ with a wrong Basic password", "GET", "/dashboard/", 401, Check.Problem).NoKey().Header("Authorization", "Basic " + Convert.ToBase64String("any:nope"u8)),
            Call("GET /dashboard/ with the key as Basic password", "GET", "/dashboard/", 200).NoKey().Header("Authorization", "Basic {basic}"),
        ];
    }

    private static HostileRequest One(string description, string json, int status, Check check) =>
        new() { Description = description, Path = Single, Body = Encoding.UTF8.GetBytes(json), Status = status, Check = check };

    private static HostileRequest One(string description, string json, int status, string errorKey) =>
        new() { Description = description, Path = Single, Body = Encoding.UTF8.GetBytes(json), Status = status, ErrorKey = errorKey, Check = Check.Validation };

    private static HostileRequest OneBytes(string description, byte[] body, int status, Check check) =>
        new() { Description = description, Path = Single, Body = body, Status = status, Check = check };

    private static HostileRequest Many(string description, string json, int status, Check check) =>
        new() { Description = description, Path = Batch, Body = Encoding.UTF8.GetBytes(json), Status = status, Check = check };

    private static HostileRequest Many(string description, string json, int status, string errorKey) =>
        new() { Description = description, Path = Batch, Body = Encoding.UTF8.GetBytes(json), Status = status, ErrorKey = errorKey, Check = Check.Validation };

    private static HostileRequest ManyBytes(string description, byte[] body, int status, Check check) =>
        new() { Description = description, Path = Batch, Body = body, Status = status, Check = check };

    private static HostileRequest Call(string description, string method, string path, int status, Check check = Check.StatusOnly) =>
        new() { Description = description, Method = method, Path = path, ContentType = null, Status = status, Check = check };

    private static HostileRequest Move(string description, string json, int status, string errorKey) =>
        new() { Description = description, Method = "PATCH", Path = "/messages/1000-0", Body = Encoding.UTF8.GetBytes(json), Status = status, ErrorKey = errorKey, Check = Check.Validation };

    private static HostileRequest MoveCall(string description, string json, int status, Check check, string path = "/messages/1000-0") =>
        new() { Description = description, Method = "PATCH", Path = path, Body = Encoding.UTF8.GetBytes(json), Status = status, Check = check };

    private static HostileRequest Schedule(string description, string json, string errorKey) =>
        new() { Description = description, Path = "/schedules", Body = Encoding.UTF8.GetBytes(json), Status = 400, ErrorKey = errorKey, Check = Check.Validation };

    private static HostileRequest ScheduleCall(string description, string json, int status, Check check) =>
        new() { Description = description, Path = "/schedules", Body = Encoding.UTF8.GetBytes(json), Status = status, Check = check };

    private static HostileRequest List(string description, string query, string errorKey) =>
        new() { Description = description, Method = "GET", Path = "/messages" + query, ContentType = null, Status = 400, ErrorKey = errorKey, Check = Check.Validation };

    private static byte[] Utf8Around(string before, byte[] middle, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. middle, .. Encoding.UTF8.GetBytes(after)];

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The fuzz through the gateway once got no answer at all for a body streamed past the limit: the server answered
    /// 413 and closed with the rest of the body unread, and the client, still sending it, was reset before it read the
    /// answer. Read to its end, the body leaves the connection serving the request sent after it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_limit_is_read_to_its_end_before_its_413_so_the_connection_serves_the_next_request(bool chunked)
    {
        var body = Encoding.UTF8.GetBytes("{\"time\":0,\"message\":\"" + new string('a', MaxBodyBytes + 50_000) + "\"}");
        using var requests = new MemoryStream();
        var host = api.Target.BaseUrl.Authority;
        requests.Write(Encoding.ASCII.GetBytes(
            $"POST {Single} HTTP/1.1\r\nHost: {host}\r\n{ApiSiloFixture.KeyHeader}: {api.ApiKey}\r\nContent-Type: application/json\r\n"
            + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : $"Content-Length: {body.Length}\r\n\r\n")));
        if (chunked)
        {
            foreach (var chunk in body.Chunk(64 * 1024))
            {
                requests.Write(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"));
                requests.Write(chunk);
                requests.Write("\r\n"u8);
            }

            requests.Write("0\r\n\r\n"u8);
        }
        else
        {
            requests.Write(body);
        }

        requests.Write(Encoding.ASCII.GetBytes($"GET /health/live HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));

        var answers = await RawHttp.SendOnOneConnectionAsync(api.Target.BaseUrl, requests.ToArray());

        Assert.True(answers.Count == 2, $"Expected the 413 and the next request's answer, got: {string.Join(" | ", answers)}");
        AssertProblem(answers[0], 413);
        Assert.Equal(200, answers[1].Status);
    }

    private Task<ApiResponse> SendAsync(HostileRequest row)
    {
        var headers = row.Headers.Select(line =>
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            return KeyValuePair.Create(line[..colon], Fill(line[(colon + 2)..]));
        }).ToList();
        if (!row.Raw)
        {
            return api.SendAsync(new HttpMethod(row.Method), row.Path, row.Body, row.ContentType, headers, row.WithKey, row.Chunked);
        }

        var lines = new List<byte[]>();
        if (row.WithKey)
        {
            lines.Add(RawHttp.HeaderLine(ApiSiloFixture.KeyHeader, api.ApiKey));
        }

        if (row.ContentType is not null)
        {
            lines.Add(RawHttp.HeaderLine("Content-Type", row.ContentType));
        }

        lines.AddRange(headers.Select(h => RawHttp.HeaderLine(h.Key, h.Value)));
        return RawHttp.SendAsync(api.Target.BaseUrl, row.Method, row.Path, lines, row.Body ?? []);
    }

    private string Fill(string value) => value
        .Replace("{key}", api.ApiKey, StringComparison.Ordinal)
        .Replace("{KEY}", api.ApiKey.ToUpperInvariant(), StringComparison.Ordinal)
        .Replace("{key-1}", api.ApiKey[..^1], StringComparison.Ordinal)
        .Replace("{basic}", Convert.ToBase64String(Encoding.UTF8.GetBytes("any:" + api.ApiKey)), StringComparison.Ordinal);

    internal static void AssertProblem(ApiResponse response, int status)
    {
        Assert.True(response.MediaType == ApiResponse.ProblemJson, $"Expected {ApiResponse.ProblemJson}: {response}");
        var json = response.Json();
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.True(json.TryGetProperty("status", out var s) && s.GetInt32() == status, $"Problem status is not {status}: {response}");
        Assert.True(json.TryGetProperty("title", out var title) && title.GetString()!.Length > 0, $"Problem has no title: {response}");
    }

    internal static void AssertAccepted(ApiResponse response)
    {
        var json = response.Json();
        if (json.ValueKind == JsonValueKind.Array)
        {
            Assert.All(json.EnumerateArray(), item => Assert.Equal(202, item.GetProperty("status").GetInt32()));
            return;
        }

        var id = json.GetProperty("id").GetString()!;
        Assert.Matches(IdPattern(), id);
        Assert.Matches(DueAtPattern(), json.GetProperty("dueAt").GetString()!);
        Assert.Equal($"/messages/{id}", response.Header("Location"));
    }

    [GeneratedRegex(@"^[0-9]+-[0-9a-f]{8}-[0-9]+$")]
    internal static partial Regex IdPattern();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$")]
    internal static partial Regex DueAtPattern();
}

/// <summary>Fluent tweaks for building <see cref="HostileRequest"/> rows.</summary>
[Collection(ApiSiloGroup.Name)]
public sealed class HostileRequestsOnASilo(ApiSiloFixture api, ITestOutputHelper output) : HostileRequestTests(api, output);

/// <summary>
/// The gateway is an Orleans client with its own HTTP host: it must refuse the same input the same way.
/// </summary>
[Collection(ApiGatewayGroup.Name)]
public sealed class HostileRequestsThroughTheGateway(ApiGatewayFixture api, ITestOutputHelper output) : HostileRequestTests(api, output);

internal static class HostileRequestBuilder
{
    public static HostileRequest Type(this HostileRequest row, string? contentType)
    {
        row.ContentType = contentType;
        return row;
    }

    public static HostileRequest Header(this HostileRequest row, string name, string value)
    {
        row.Headers = [.. row.Headers, $"{name}: {value}"];
        return row;
    }

    public static HostileRequest NoKey(this HostileRequest row)
    {
        row.WithKey = false;
        return row;
    }

    public static HostileRequest AsChunked(this HostileRequest row)
    {
        row.Chunked = true;
        return row;
    }

    public static HostileRequest OverSocket(this HostileRequest row)
    {
        row.Raw = true;
        return row;
    }
}
