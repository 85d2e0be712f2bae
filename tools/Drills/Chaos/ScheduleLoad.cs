using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EchoAtTime.Chaos;

/// <summary>
/// The recurring part of a run's load (<c>--schedules N</c>): N schedules on <see cref="ChaosOptions.ScheduleCron"/>
/// made before the chaos starts, running through it, and deleted once everything else has printed and every
/// occurrence due by the end of scheduling with it. A marker message due after the last DELETE's answer then
/// tells when anything the schedules had left would have printed.
/// </summary>
public sealed class ScheduleLoad(ChaosOptions options, IReadOnlyList<ServiceNode> targets, string runTag, TimeProvider clock, Action<string> log)
{
    private static readonly TimeSpan Retrying = TimeSpan.FromSeconds(30);
    private readonly List<RecurringSchedule> _made = [];

    /// <summary>The text every occurrence of this run starts with.</summary>
    public string Prefix => $"chaos schedule {runTag} ";

    public string MarkerText => $"{Prefix}marker";

    public IReadOnlyList<RecurringSchedule> Made => _made;

    public long DeletedAtMs { get; private set; }

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task CreateAsync(HttpClient http, CancellationToken cancellationToken)
    {
        for (var i = 0; i < options.Schedules; i++)
        {
            var text = $"{Prefix}{i:D4}";
            // The 201 names the first occurrence: the server's clock when it made the schedule decides it, and a
            // request sent an instant before a second and carried out after it does not have that second.
            var made = await RetryAsync(http, i, async node =>
            {
                using var response = await http.PostAsJsonAsync(new Uri(node.BaseUrl, "schedules"), new { cron = options.ScheduleCron, message = text }, cancellationToken);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    return null;
                }

                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
                var next = body.GetProperty("next").GetString();
                return new RecurringSchedule(body.GetProperty("id").GetString()!, text,
                    next is null ? long.MaxValue : DateTimeOffset.Parse(next, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
            }, cancellationToken);
            _made.Add(made);
        }

        log($"chaos: {_made.Count} schedule(s) '{options.ScheduleCron}' made");
    }

    /// <summary>
    /// Waits until every occurrence due by <paramref name="throughMs"/> printed (at most 30 s), deletes every
    /// schedule, then waits for a marker due 2 s after the last answer.
    /// </summary>
    public async Task DeleteAsync(HttpClient http, PrintedLines printed, long throughMs, CancellationToken cancellationToken)
    {
        var expected = _made.Sum(s => (long)OccurrenceCheck.Dues(options.ScheduleCron, s.FirstDueMs, throughMs).Count);
        await Conditions.WaitForAsync(() => Task.FromResult(printed.Lines().Where(l => l.Message.StartsWith(Prefix, StringComparison.Ordinal) && l.DueMs <= throughMs).Select(l => l.Id).Distinct().LongCount() >= expected), Retrying, "occurrences due by the end of scheduling did not all print")
            .ContinueWith(_ => { }, TaskScheduler.Default);
        for (var i = 0; i < _made.Count; i++)
        {
            var schedule = _made[i];
            await RetryAsync(http, i, async node =>
            {
                using var response = await http.DeleteAsync(new Uri(node.BaseUrl, $"schedules/{schedule.Id}"), cancellationToken);
                return response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound ? schedule.Id : null;
            }, cancellationToken);
        }

        DeletedAtMs = NowMs;
        await RetryAsync(http, 0, async node =>
        {
            using var response = await http.PostAsJsonAsync(new Uri(node.BaseUrl, "echoAtTime"), new { time = DeletedAtMs + 2_000, message = MarkerText }, cancellationToken);
            return response.StatusCode == HttpStatusCode.Accepted ? MarkerText : null;
        }, cancellationToken);
        await Conditions.WaitForAsync(() => Task.FromResult(printed.Lines().Any(l => l.Message == MarkerText)), Retrying, "the marker after the DELETEs did not print");
        log($"chaos: {_made.Count} schedule(s) deleted; marker printed");
    }

    /// <summary>
    /// Tries the ready nodes in turn, from <paramref name="first"/>, until one answers as hoped (30 s).
    /// </summary>
    private async Task<T> RetryAsync<T>(HttpClient http, int first, Func<ServiceNode, Task<T?>> attempt, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = NowMs + (long)Retrying.TotalMilliseconds;
        for (var n = first; ; n++)
        {
            var node = targets[n % targets.Count];
            if (node.IsReady)
            {
                try
                {
                    if (await attempt(node) is { } answer)
                    {
                        return answer;
                    }
                }
                catch (HttpRequestException)
                {
                }
            }

            if (NowMs > deadline)
            {
                throw new InvalidOperationException($"no node carried out a schedule call within {Retrying.TotalSeconds:0} s");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}

/// <summary>
/// A schedule a run made: its id, its text, and its first occurrence as the 201 named it (<c>next</c>; never: max).
/// </summary>
public sealed record RecurringSchedule(string Id, string Text, long FirstDueMs);
