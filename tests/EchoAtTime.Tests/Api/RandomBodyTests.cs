using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// Thousands of seeded random bodies against a real silo, and through the gateway in front of one
/// (<see cref="RandomBodiesOnASilo"/>, <see cref="RandomBodiesThroughTheGateway"/>): no answer may be a 5xx, every
/// answer must be one the API documents (and shaped as documented), a certainly-valid request must get 202, and
/// the silo must be healthy and accepting afterwards. Every fourth single body goes to
/// <c>PATCH /messages/{id}</c> instead, half of them for a real message scheduled for the run (which
/// the first valid one moves), half for an unknown id. <c>ECHO_FUZZ_SEED</c> repeats a run,
/// <c>ECHO_FUZZ_REQUESTS</c> sets how many requests (default 5000).
/// </summary>
public abstract partial class RandomBodyTests(ApiSiloFixture api, ITestOutputHelper output)
{
    private const int DefaultRequests = 5000;
    private const int Parallelism = 8;
    private const int ReportedFailures = 15;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);
    private static readonly int[] SingleStatuses = [202, 400, 409, 413, 415];
    private static readonly int[] BatchStatuses = [202, 207, 400, 413, 415];
    private static readonly int[] MoveStatuses = [200, 400, 404, 409, 413, 415];
    // A body answer names every invalid field of the item at once; "$" and the header stand alone.
    private static readonly string[] ItemFields = ["time", "message", "idempotencyKey", "id", "expireAfter"];

    [Fact]
    public async Task Random_bodies_get_only_documented_answers_and_leave_the_silo_healthy()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ECHO_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : Random.Shared.Next();
        var requestCount = int.TryParse(Environment.GetEnvironmentVariable("ECHO_FUZZ_REQUESTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var configured)
            ? configured
            : DefaultRequests;
        Assert.True(requestCount > 0, $"ECHO_FUZZ_REQUESTS={requestCount}: a fuzz run without requests proves nothing");
        output.WriteLine($"fuzz: seed {seed} (ECHO_FUZZ_SEED={seed} repeats the bodies), {requestCount} requests, {Parallelism} at a time");
        var generator = new RandomRequests(new Random(seed), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), $"fz{seed}-{Guid.NewGuid():N}"[..24]);
        var requests = Enumerable.Range(1, requestCount).Select(generator.Next).ToList();
        var target = await api.PostJsonAsync(RandomRequests.Single, $$"""{"time":"{{DateTimeOffset.UtcNow.AddDays(2):O}}","message":"moved by seed {{seed}}"}""");
        Assert.True(target.Status == 202, target.ToString());
        var targetId = target.Json().GetProperty("id").GetString()!;

        var counts = new ConcurrentDictionary<(string Path, int Status), int>();
        var kinds = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        using var deadline = new CancellationTokenSource(Budget);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = deadline.Token }, async (request, ct) =>
        {
            kinds.AddOrUpdate(request.Kind, 1, (_, n) => n + 1);
            var moved = !request.IsBatch && request.Number % 4 == 0 ? (request.Number % 8 == 0 ? targetId : "1000-0") : null;
            ApiResponse response;
            try
            {
                response = await api.SendAsync(moved is null ? HttpMethod.Post : HttpMethod.Patch, moved is null ? request.Path : $"/messages/{moved}",
                    request.Body, request.ContentType, request.Headers, withKey: true, request.Chunked, ct);
            }
            catch (HttpRequestException ex)
            {
                failures.Enqueue($"no answer ({ex.Message})\n  request {request}");
                return;
            }

            counts.AddOrUpdate((moved is null ? $"POST {request.Path}" : "PATCH /messages/{id}", response.Status), 1, (_, n) => n + 1);
            if ((moved is null ? Judge(request, response) : JudgeMove(moved, response)) is { } problem)
            {
                failures.Enqueue($"{problem}\n  request {(moved is null ? "" : $"as PATCH /messages/{moved} ")}{request}\n  answer  {response}");
            }
        });
        clock.Stop();

        output.WriteLine($"fuzz: {requestCount} requests in {clock.Elapsed.TotalSeconds:0.0} s; kinds: "
                         + string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}")));
        foreach (var ((path, status), count) in counts.OrderBy(c => c.Key.Path, StringComparer.Ordinal).ThenBy(c => c.Key.Status))
        {
            output.WriteLine($"fuzz: {path,-24} {status} x {count}");
        }

        var failed = failures.ToList();
        foreach (var group in failed.GroupBy(f => f[..f.IndexOf('\n', StringComparison.Ordinal)]).OrderByDescending(g => g.Count()))
        {
            output.WriteLine($"FAIL x {group.Count()}: {group.Key}");
            foreach (var failure in group.Take(3))
            {
                output.WriteLine($"  e.g. {failure[(failure.IndexOf('\n', StringComparison.Ordinal) + 1)..]}");
            }
        }

        Assert.True(failed.Count == 0,
            $"seed {seed}: {failed.Count} of {requestCount} answers broke the contract; first ones:\n"
            + string.Join("\n", failed.Take(ReportedFailures)) + "\n" + api.Target.StderrTail());

        // Still healthy and still accepting (the silo, and the gateway when the bodies went through it).
        Assert.False(api.Silo.HasExited, api.Silo.StderrTail());
        Assert.False(api.Target.HasExited, api.Target.StderrTail());
        var ready = await api.GetAsync("/health/ready");
        Assert.True(ready.Status == 200, $"/health/ready after the fuzz: {ready}");
        var normal = await api.PostJsonAsync(RandomRequests.Single,
            $$"""{"time":"{{DateTimeOffset.UtcNow.AddMinutes(5):O}}","message":"still alive after seed {{seed}}"}""");
        Assert.True(normal.Status == 202, $"A normal POST after the fuzz: {normal}");
    }

    /// <summary>Null when the answer is one the contract allows for this request; else what is wrong.</summary>
    private static string? Judge(FuzzRequest request, ApiResponse response)
    {
        if (response.Status >= 500)
        {
            return $"{response.Status}: a 5xx for client input";
        }

        var allowed = request.IsBatch ? BatchStatuses : SingleStatuses;
        if (!allowed.Contains(response.Status))
        {
            return $"{response.Status} is not a documented answer of POST {request.Path}";
        }

        if (request.ExpectAccepted && response.Status != 202)
        {
            return $"{response.Status} for a certainly valid request (expected 202)";
        }

        try
        {
            return response.Status switch
            {
                202 => request.IsBatch ? JudgeBatchAccepted(response) : JudgeAccepted(response),
                207 => JudgeMultiStatus(response),
                400 => JudgeBadRequest(request, response),
                _ => JudgeProblem(response),
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or Xunit.Sdk.XunitException)
        {
            return $"{response.Status} with an unexpected body shape: {ex.Message}";
        }
    }

    /// <summary>As <see cref="Judge"/>, for a body sent as a reschedule of <paramref name="id"/>.</summary>
    private static string? JudgeMove(string id, ApiResponse response)
    {
        if (!MoveStatuses.Contains(response.Status))
        {
            return $"{response.Status} is not a documented answer of PATCH /messages/{{id}}";
        }

        try
        {
            var json = response.Json();
            if (response.Status == 200)
            {
                return HostileRequestTests.IdPattern().IsMatch(json.GetProperty("id").GetString()!) && json.GetProperty("movedFrom").GetString() == id
                    && HostileRequestTests.DueAtPattern().IsMatch(json.GetProperty("dueAt").GetString()!) ? null : "200 without {id, dueAt, movedFrom}";
            }

            if (response.MediaType != ApiResponse.ProblemJson || json.GetProperty("status").GetInt32() != response.Status)
            {
                return $"{response.Status} is not problem details with that status";
            }

            return response.Status != 400 || json.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any()
                || json.GetProperty("title").GetString() == ApiResponse.NotJsonTitle ? null : "400 without errors that is not 'not valid JSON'";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return $"{response.Status} with an unexpected body shape: {ex.Message}";
        }
    }

    private static string? JudgeProblem(ApiResponse response)
    {
        if (response.MediaType != ApiResponse.ProblemJson)
        {
            return $"{response.Status} is not problem details (media type {response.MediaType ?? "none"})";
        }

        var json = response.Json();
        if (json.GetProperty("status").GetInt32() != response.Status)
        {
            return "problem status differs from the HTTP status";
        }

        return response.Status == 409 && json.GetProperty("field").GetString() is not ("id" or "Idempotency-Key")
            ? "409 without field 'id' or 'Idempotency-Key'"
            : null;
    }

    private static string? JudgeBadRequest(FuzzRequest request, ApiResponse response)
    {
        if (JudgeProblem(response) is { } problem)
        {
            return problem;
        }

        var json = response.Json();
        if (!json.TryGetProperty("errors", out var errors))
        {
            return json.GetProperty("title").GetString() == ApiResponse.NotJsonTitle ? null : "400 without errors that is not 'not valid JSON'";
        }

        var keys = errors.EnumerateObject().Select(p => p.Name).ToList();
        if (keys.Count == 0)
        {
            return "400 with an empty errors object";
        }

        if (!request.IsBatch)
        {
            var named = (keys.Count == 1 && keys[0] is "$" or "Idempotency-Key") || keys.All(ItemFields.Contains);
            return named ? null : $"errors keys [{string.Join(", ", keys)}] do not name the item's fields";
        }

        if (keys.Count == 1 && keys[0] is "$" or "Idempotency-Key")
        {
            return null;
        }

        return keys.All(k => BatchItemField().IsMatch(k)) ? null : $"batch errors keys [{string.Join(", ", keys)}] do not name item fields";
    }

    private static string? JudgeAccepted(ApiResponse response)
    {
        var json = response.Json();
        var id = json.GetProperty("id").GetString()!;
        if (!HostileRequestTests.IdPattern().IsMatch(id) || !HostileRequestTests.DueAtPattern().IsMatch(json.GetProperty("dueAt").GetString()!))
        {
            return "202 without a well-formed id and dueAt";
        }

        return response.Header("Location") == $"/messages/{id}" ? null : "202 without Location: /messages/{id}";
    }

    private static string? JudgeBatchAccepted(ApiResponse response)
    {
        var items = response.Json().EnumerateArray().ToList();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].GetProperty("index").GetInt32() != i || items[i].GetProperty("status").GetInt32() != 202
                || !HostileRequestTests.IdPattern().IsMatch(items[i].GetProperty("id").GetString()!))
            {
                return $"batch 202 item {i} is not {{index:{i}, status:202, id}}";
            }
        }

        return items.Count > 0 ? null : "batch 202 with no items";
    }

    private static string? JudgeMultiStatus(ApiResponse response)
    {
        var items = response.Json().EnumerateArray().ToList();
        var accepted = 0;
        var conflicts = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var status = item.GetProperty("status").GetInt32();
            if (item.GetProperty("index").GetInt32() != i)
            {
                return $"207 item {i} has another index";
            }

            if (status == 202)
            {
                accepted++;
                if (!HostileRequestTests.IdPattern().IsMatch(item.GetProperty("id").GetString()!) || item.TryGetProperty("errors", out _))
                {
                    return $"207 item {i}: accepted without an id, or with errors";
                }
            }
            else if (status is 400 or 409)
            {
                conflicts += status == 409 ? 1 : 0;
                var prefix = $"[{i.ToString(CultureInfo.InvariantCulture)}]";
                if (item.TryGetProperty("id", out _)
                    || !item.GetProperty("errors").EnumerateObject().All(e => e.Name.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    return $"207 item {i}: refused with an id, or errors not named {prefix}…";
                }
            }
            else
            {
                return $"207 item {i} has status {status}";
            }
        }

        // Some item valid (accepted, or refused for its key only), some not accepted; none valid is a 400.
        return accepted == items.Count ? "207 although every item was accepted"
            : accepted + conflicts == 0 ? "207 although no item was accepted (none valid is a 400)"
            : null;
    }

    [GeneratedRegex(@"^\[[0-9]+\](\.(time|message|idempotencyKey|id|expireAfter))?$")]
    private static partial Regex BatchItemField();
}

[Collection(ApiSiloGroup.Name)]
public sealed class RandomBodiesOnASilo(ApiSiloFixture api, ITestOutputHelper output) : RandomBodyTests(api, output);

/// <summary>
/// The gateway parses and answers on its own HTTP host: the same bodies must get the same kind of answers.
/// </summary>
[Collection(ApiGatewayGroup.Name)]
public sealed class RandomBodiesThroughTheGateway(ApiGatewayFixture api, ITestOutputHelper output) : RandomBodyTests(api, output);
