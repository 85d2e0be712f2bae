using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using EchoAtTime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// A silo whose console blocks, with real processes: its stdout pipe is never read, so once the
/// pipe's 64 KB are full every write blocks. Order holds every later minute behind the one it is
/// printing, so unless that silo gives its slots up the whole cluster stops printing.
/// </summary>
public sealed partial class StuckConsoleTests(ITestOutputHelper output)
{
    private const int BatchSize = 512; // Echo:BatchSize default: the most one declared batch holds
    private const int PerPost = 500;
    private static readonly TimeSpan ConsoleTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);
    private static readonly string Padding = new('x', 120);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine(line);
    }

    private static Dictionary<string, string> SiloEnvironment(RedisServer redis, string clusterId) => new()
    {
        ["Redis__ConnectionString"] = redis.ConnectionString,
        ["Orleans__ClusterId"] = clusterId,
        ["Orleans__SiloPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Echo__Output"] = "json",
        ["Echo__ConsoleTimeout"] = ConsoleTimeout.ToString("c", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Posts <paramref name="count"/> messages due evenly over [<paramref name="fromMs"/>,
    /// <paramref name="fromMs"/> + <paramref name="spanMs"/>) in batch requests; returns what was
    /// accepted (a silo already leaving may refuse or not answer: that is not accepted).
    /// </summary>
    private static async Task<Dictionary<string, MessageId>> PostAsync(HttpClient http, ServiceProcess silo, string prefix, int count, long fromMs, long spanMs)
    {
        var accepted = new Dictionary<string, MessageId>();
        for (var start = 0; start < count; start += PerPost)
        {
            var items = Enumerable.Range(start, Math.Min(PerPost, count - start))
                .Select(i => new { time = fromMs + spanMs * i / count, message = $"{prefix}{i:D5} {Padding}" })
                .ToArray();
            try
            {
                using var response = await http.PostAsJsonAsync(new Uri(silo.BaseUrl, "echoAtTime/batch"), items);
                if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.MultiStatus))
                {
                    continue;
                }

                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                foreach (var item in body.RootElement.EnumerateArray())
                {
                    if (item.GetProperty("status").GetInt32() == 202 && MessageId.TryParse(item.GetProperty("id").GetString(), out var id))
                    {
                        accepted[items[item.GetProperty("index").GetInt32()].message] = id;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not answered: not accepted.
            }
        }

        return accepted;
    }

    /// <summary>
    /// Polls <paramref name="path"/> of <paramref name="silo"/> until it exits or <paramref name="stop"/>; returns
    /// every answer.
    /// </summary>
    private static async Task<List<HttpStatusCode>> ProbeHealthAsync(HttpClient http, ServiceProcess silo, string path, CancellationToken stop)
    {
        var answers = new List<HttpStatusCode>();
        while (!silo.HasExited && !stop.IsCancellationRequested)
        {
            try
            {
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(stop);
                probe.CancelAfter(TimeSpan.FromSeconds(1));
                using var response = await http.GetAsync(new Uri(silo.BaseUrl, path), probe.Token);
                answers.Add(response.StatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
            }

            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return answers;
    }

    /// <summary>
    /// About 20 s ahead, in a minute whose grain the writer activates at once: writers notify a
    /// minute's printer only within 2 × Echo:WakeLead (10 s) of its start, and a minute activated
    /// later (by a sweep or a notice from the healthy silo) may land on the healthy silo, which would
    /// leave the stuck silo nothing to print. A 20 s lead that crosses into a minute starting more
    /// than 10 s away moves back to the end of the current minute instead (at least 7 s ahead).
    /// </summary>
    private static long DueInANoticedMinute(long nowMs, long span)
    {
        var dueFrom = nowMs + 20_000;
        var slotStart = TimeSlot.StartMs(TimeSlot.Of(dueFrom + span));
        return slotStart - nowMs > 10_000 ? slotStart - span - 1_000 : dueFrom;
    }

    [Fact]
    public async Task A_silo_whose_stdout_blocks_reports_not_ready_and_leaves_and_the_other_silo_prints_every_message()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var clusterId = $"stuck-{Guid.NewGuid():N}";
        var tag = $"stuck {Guid.NewGuid():N}";

        // The stuck silo starts alone and takes the first posts, so the grains of the minutes they
        // fall in are activated there; the healthy silo joins before any of them is due.
        await using var stuck = TestService.Start("stuck", TestService.SiloDll, SiloEnvironment(redis, clusterId), readStdout: false);
        await stuck.WaitUntilReadyAsync(http, StartTimeout);
        const long span = 2_000;
        var dueFrom = DueInANoticedMinute(NowMs, span);
        var accepted = await PostAsync(http, stuck, $"{tag} a", 1_500, dueFrom, span);
        Assert.Equal(1_500, accepted.Count);
        await using var healthy = TestService.Start("healthy", TestService.SiloDll, SiloEnvironment(redis, clusterId));
        await healthy.WaitUntilReadyAsync(http, StartTimeout);
        var joinedBeforeDue = NowMs < dueFrom;

        using var stopProbing = new CancellationTokenSource();
        var readiness = ProbeHealthAsync(http, stuck, "health/ready", stopProbing.Token);
        var liveness = ProbeHealthAsync(http, stuck, "health/live", stopProbing.Token);
        var more = await Task.WhenAll(PostAsync(http, healthy, $"{tag} b", 1_000, dueFrom, span), PostAsync(http, stuck, $"{tag} c", 1_000, dueFrom, span));
        foreach (var (text, id) in more.SelectMany(d => d))
        {
            accepted[text] = id;
        }

        // The stuck silo gives its slots up and leaves; every accepted message prints: on the healthy
        // silo, or on the stuck one before its pipe filled (read from the pipe once it has exited).
        List<PrintedLine> Printed(ServiceProcess silo) => [.. silo.Printed().Where(l => l.Message.StartsWith(tag, StringComparison.Ordinal))];
        try
        {
            await Conditions.WaitForAsync(
                () => Task.FromResult(stuck.HasExited && Printed(healthy).Concat(Printed(stuck)).Select(l => l.Message).ToHashSet().IsSupersetOf(accepted.Keys)),
                TimeSpan.FromMilliseconds(dueFrom + span - NowMs) + TimeSpan.FromSeconds(45),
                "not every accepted message printed");
        }
        catch (TimeoutException ex)
        {
            var printedSoFar = Printed(healthy).Count;
            stopProbing.Cancel();
            var answers = await readiness;
            Assert.Fail($"{ex.Message} {printedSoFar} of {accepted.Count} printed on the healthy silo; the stuck silo {(stuck.HasExited ? $"exited after printing {Printed(stuck).Count}" : "is still running")}, " +
                $"its /health/ready answered {string.Join(',', answers.Distinct())}.\n{stuck.StderrTail()}\n{healthy.StderrTail()}");
        }

        // The stuck silo said so and left: not ready, then gone, exit code non-zero, one clear log line.
        stopProbing.Cancel();
        var ready = await readiness;
        Assert.Contains(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, await liveness);
        var exitCode = int.Parse(ExitCodePattern().Match(stuck.StderrTail()).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.NotEqual(0, exitCode);
        Assert.True(stuck.StderrLines().Count(l => l.Contains("leaving the cluster", StringComparison.Ordinal)) == 1, $"no single Critical line saying why it left\n{stuck.StderrTail()}");

        // Nothing lost, nothing printed twice unflagged, never early, in order across both silos. The
        // stuck silo did print (it owned the slots) and flagged nothing; what the healthy silo flagged
        // is at most one batch per slot, the one the stuck silo had declared (contiguous in order).
        var onStuck = Printed(stuck);
        var onHealthy = Printed(healthy);
        var lines = onStuck.Concat(onHealthy).ToList();
        var problems = new List<string>();
        var report = Invariants.Check(lines, accepted.Values.Select(id => id.ToString()), crashed: new HashSet<string> { stuck.Name });
        if (!report.Holds || report.FlaggedRepeatsWithoutCrash > 0)
        {
            problems.Add(report.ToString());
        }

        problems.AddRange(onHealthy.GroupBy(l => l.Message).Where(g => g.Count() > 1).Select(g => $"printed {g.Count()} times on the healthy silo: {g.First().Id}"));
        problems.AddRange(onStuck.Where(l => l.Redelivered).Select(l => $"flagged on the stuck silo: {l.Id}"));
        foreach (var slot in onHealthy.GroupBy(l => TimeSlot.Of(l.DueMs)))
        {
            var ordered = slot.OrderBy(l => l.Key).ToList();
            var flagged = ordered.Select((l, i) => (l, i)).Where(x => x.l.Redelivered).Select(x => x.i).ToList();
            if (flagged.Count > BatchSize || (flagged.Count > 0 && flagged[^1] - flagged[0] + 1 != flagged.Count))
            {
                problems.Add($"slot {slot.Key}: {flagged.Count} flagged lines, not one contiguous declared batch");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems.Take(30)) + "\n" + stuck.StderrTail() + "\n" + healthy.StderrTail());
        Assert.NotEmpty(onStuck);
        var flaggedOnHealthy = onHealthy.Where(l => l.Redelivered).ToList();
        var stuckMessages = onStuck.Select(l => l.Message).ToHashSet();
        Report($"stuck console: {accepted.Count} accepted (healthy silo joined before due: {joinedBeforeDue}); the stuck silo printed {onStuck.Count} before its pipe filled, " +
            $"the healthy silo {onHealthy.Count}, {flaggedOnHealthy.Count} of them flagged ({flaggedOnHealthy.Count(l => stuckMessages.Contains(l.Message))} of those had reached the stuck pipe); " +
            $"stuck silo exit code {exitCode}, readiness answers {string.Join(',', ready.Distinct())}; last line {onHealthy.Max(l => l.PrintedMs) - (dueFrom + span)} ms after the last due time");
    }

    [GeneratedRegex(@"\(exited with (-?\d+)\)")]
    private static partial Regex ExitCodePattern();
}
