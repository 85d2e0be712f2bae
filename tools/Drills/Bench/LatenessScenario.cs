using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// lateness.light / lateness.idle: messages scheduled ahead (batch API) at an even rate — one every
/// 1000/rate ms — for a few seconds, the first due at least a few seconds after scheduling completes,
/// so the silos do nothing but print on time. Figures: lateness p50/p99/max of printedAt − dueAt and
/// the count printed early.
/// </summary>
public sealed class LatenessScenario(string name, int ratePerSecond) : IScenario
{
    public string Name => name;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        await context.WarmUpAsync(cancellationToken);
        var count = (int)Math.Max(1, Math.Round(ratePerSecond * options.LatenessDuration.TotalSeconds));

        // A generous allowance for scheduling (batches of 1000 take well under a second each) plus the lead.
        var firstDueMs = ScenarioContext.NowMs + 1_000 + count / 10 + (long)options.LatenessLead.TotalMilliseconds;
        var dueTimes = Enumerable.Range(0, count).Select(i => firstDueMs + i * 1000L / ratePerSecond).ToArray();
        context.Log($"  {count} messages at {ratePerSecond}/s from {(firstDueMs - ScenarioContext.NowMs) / 1000.0:0.0} s ahead");
        var tally = await context.ScheduleAsync(dueTimes, cancellationToken);
        var aheadMs = firstDueMs - ScenarioContext.NowMs;
        if (aheadMs < options.LatenessLead.TotalMilliseconds)
        {
            context.Note(string.Create(CultureInfo.InvariantCulture, $"scheduling finished only {aheadMs} ms before the first due time"));
        }

        var analysis = await context.WaitForPrintsAsync(tally.Accepted, dueTimes[^1], cancellationToken);
        var figures = new Figures()
            .Add("messages", "messages", count)
            .Add("ratePerSecond", "due rate msg/s", ratePerSecond)
            .Add("scheduledAheadMs", "scheduled ahead of first due ms", aheadMs);
        LoadFigures.AddLateness(figures, analysis);
        figures.Add("early", "printed early", analysis.Integrity.Early);
        LoadFigures.Add(figures, tally);
        return new ScenarioOutcome(figures, analysis.Integrity);
    }
}
