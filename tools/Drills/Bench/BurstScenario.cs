using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// burst: N messages (batch API) all due at the same millisecond, several seconds ahead. Figures:
/// from that due time to the first print and to the last print, and the order breaks (all share the
/// due time, so the order is the acceptance sequence alone).
/// </summary>
public sealed class BurstScenario : IScenario
{
    public string Name => BenchScenarios.Burst;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        await context.WarmUpAsync(cancellationToken);
        var dueMs = ScenarioContext.NowMs + (long)options.BurstLead.TotalMilliseconds;
        context.Log($"  {options.BurstMessages} messages due at {options.BurstLead.TotalSeconds:0.#} s ahead");
        var tally = await context.ScheduleAsync(Enumerable.Repeat(dueMs, options.BurstMessages).ToArray(), cancellationToken);
        var aheadMs = dueMs - ScenarioContext.NowMs;
        if (aheadMs <= 0)
        {
            context.Note(string.Create(CultureInfo.InvariantCulture, $"scheduling finished {-aheadMs} ms after the due time"));
        }

        var analysis = await context.WaitForPrintsAsync(tally.Accepted, dueMs, cancellationToken);
        var prints = analysis.FirstPrints;
        var figures = new Figures()
            .Add("messages", "messages", options.BurstMessages)
            .Add("scheduledAheadMs", "scheduled ahead of due ms", aheadMs)
            .Add("firstPrintAfterDueMs", "due -> first print ms", prints.Count > 0 ? prints.Min(p => p.PrintedMs) - dueMs : -1)
            .Add("lastPrintAfterDueMs", "due -> last print ms", prints.Count > 0 ? prints.Max(p => p.PrintedMs) - dueMs : -1)
            .Add("orderBreaks", "order breaks", analysis.Integrity.OrderBreaks);
        LoadFigures.Add(figures, tally);
        return new ScenarioOutcome(figures, analysis.Integrity);
    }
}
