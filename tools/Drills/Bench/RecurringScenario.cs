using System.Net;
using System.Net.Http.Json;

namespace EchoAtTime.Bench;

/// <summary>
/// recurring: N schedules firing every second (<c>* * * * * *</c>), made through <c>POST /schedules</c> round-robin
/// over the silos, so the silos print N occurrences a second; measured over a window that starts once the
/// materialisers run ahead. Each due second must print N occurrences, each once, none early, in order; one the
/// materialisers planned after its time prints late, due then (counted apart). Figures: occurrences printed per
/// second, how many were materialised late, lateness, and what the schedules cost to make.
/// </summary>
public sealed class RecurringScenario : IScenario
{
    // Every Echo:SweepInterval (1 s) a materialiser plans Echo:ScheduleWindow (10 s) ahead: the window starts once
    // every schedule has had a pass.
    private const int SettleSeconds = 3;

    public string Name => BenchScenarios.Recurring;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var n = options.RecurringSchedules;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var targets = context.Deployment.Urls;
        var createdFromMs = ScenarioContext.NowMs;
        using (var gate = new SemaphoreSlim(ScenarioContext.ScheduleConcurrency * 4))
        {
            await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    using var response = await http.PostAsJsonAsync(new Uri(targets[i % targets.Count], "schedules"), new { cron = "* * * * * *", message = $"every second {i:D6}" }, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        throw new InvalidOperationException($"POST /schedules answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var createdMs = ScenarioContext.NowMs - createdFromMs;
        var windowSeconds = (int)Math.Ceiling(options.RecurringDuration.TotalSeconds);
        var fromMs = (ScenarioContext.NowMs / 1_000 * 1_000) + (SettleSeconds * 1_000L);
        var toMs = fromMs + (windowSeconds * 1_000L);
        context.Log($"  {n} schedules every second made in {createdMs} ms; measuring occurrences due over {windowSeconds} s from {(fromMs - ScenarioContext.NowMs) / 1000.0:0.0} s ahead");

        // Every occurrence due in the window printed, or the deadline passed (then some are lost).
        var expected = (long)n * windowSeconds;
        var deadline = PrintWaiter.DeadlineAfter(toMs, expected);
        IReadOnlyList<ProcessOutput> outputs;
        while (true)
        {
            await Conditions.DelayUntilAsync(TimeProvider.System, Math.Min(ScenarioContext.NowMs + 1_000, deadline), cancellationToken);
            if (ScenarioContext.NowMs < toMs)
            {
                continue;
            }

            outputs = ProcessOutput.Read(context.Deployment.SiloInstances);
            if (InWindow(outputs, fromMs, toMs).Select(l => l.Key).Distinct().LongCount() >= expected || ScenarioContext.NowMs >= deadline)
            {
                break;
            }
        }

        var lines = InWindow(outputs, fromMs, toMs).ToList();
        var printed = lines.Select(l => l.Key).Distinct().ToHashSet();
        // An occurrence materialised after its time (the materialisers fell behind) is due when it was materialised:
        // it prints, late, at an odd millisecond. Only what printed neither on its second nor so is lost.
        var perSecond = printed.Where(k => k.DueMs % 1_000 == 0).GroupBy(k => k.DueMs).ToDictionary(g => g.Key, g => g.LongCount());
        var retimed = printed.LongCount(k => k.DueMs % 1_000 != 0);
        var shortfall = Enumerable.Range(0, windowSeconds).Sum(s => Math.Max(0, n - perSecond.GetValueOrDefault(fromMs + (s * 1_000L))));
        var lost = Math.Max(0, shortfall - retimed);
        var analysis = PrintAnalysis.Analyze(printed, [.. outputs.Select(o => o with { Lines = [.. InWindow([o], fromMs, toMs)] })]);
        var integrity = analysis.Integrity with { Accepted = expected, Lost = lost };
        var figures = new Figures()
            .Add("schedules", "schedules (every second)", n)
            .Add("createMs", "POST /schedules of all ms", createdMs)
            .Add("windowSeconds", "measured due window s", windowSeconds)
            .Add("occurrencesPerSecond", "occurrences printed per second", printed.Count / (double)windowSeconds, 0)
            .Add("retimed", "materialised late, printed late", retimed);
        LoadFigures.AddLateness(figures, analysis);
        return new ScenarioOutcome(figures, integrity);
    }

    private static IEnumerable<PrintedLine> InWindow(IReadOnlyList<ProcessOutput> outputs, long fromMs, long toMs) =>
        outputs.SelectMany(o => o.Lines).Where(l => l.DueMs >= fromMs && l.DueMs < toMs);
}
