using System.Diagnostics;

namespace EchoAtTime.Bench;

/// <summary>
/// schedule.single and schedule.batch: sending as fast as the silos answer for the warm-up plus the
/// measured duration — single: 64 keep-alive connections with one <c>POST /echoAtTime</c> in flight
/// each; batch: <c>POST /echoAtTime/batch</c> of 1000 messages, a few requests in flight. Messages come
/// due in a window opening a few seconds after the sending ends (so printing does not compete with
/// scheduling); then it waits for every print. Cost figures cover the whole phase, warm-up to last
/// print, per accepted message.
/// </summary>
public sealed class ScheduleScenario(string name, bool batches) : IScenario
{
    public string Name => name;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var due = DueWindow.AfterSending(options);
        var meter = await PhaseMeter.StartAsync(context);
        context.Log(batches
            ? $"  batches of {options.BatchSize}, {options.BatchConcurrency} in flight, for {options.WarmUp.TotalSeconds:0.#} s warm-up + {options.Duration.TotalSeconds:0.#} s"
            : $"  {options.Connections} connections for {options.WarmUp.TotalSeconds:0.#} s warm-up + {options.Duration.TotalSeconds:0.#} s");
        var sending = CpuWatch.Start();
        var siloSending = SiloCpuWatch.Start(context.Deployment);
        var counters = await RuntimeCounterWatch.StartAsync(context.Deployment);
        var tally = batches ? await SendBatchesAsync(context, due, cancellationToken) : await SendSinglesAsync(context, due, cancellationToken);
        var siloUsecPerAccept = siloSending.MicrosecondsPer(tally.Accepted.Count);
        var counts = await counters.StopAsync(context.Log);
        var toolPercent = sending.PercentOfOneCore();
        var rate = tally.MeasuredAccepted / tally.WindowSeconds;
        context.Log($"  {rate:0} msg/s accepted; {tally.Accepted.Count} accepted in all; the tool used {toolPercent:0}% of a core sending");
        context.NoteIfSendingOverran(due);
        var analysis = await context.WaitForPrintsAsync(tally.Accepted, due.EndMs, cancellationToken);

        var figures = batches
            ? new Figures()
                .Add("messagesPerSecond", "messages/s (202, measured)", rate, 0)
                .Add("requestsPerSecond", "batch requests/s (measured)", tally.MeasuredRequests / tally.WindowSeconds, 1)
            : new Figures().Add("requestsPerSecond", "requests/s (202, measured)", rate, 0);
        LoadFigures.Add(figures, tally);
        // What accepting costs the silos, before anything prints (compare http.floor's silo CPU per request).
        figures.Add("siloCpuUsecPerAccept", "silo CPU µs / accepted msg, while sending", siloUsecPerAccept, 1);
        RuntimeCounts.AddPerRequest(figures, counts, tally.Requests);
        figures.Add("toolCpuPercentWhileSending", "bench tool CPU % of a core, sending", toolPercent, 0);
        await meter.AddCostAsync(figures, tally.Accepted.Count);
        LoadFigures.AddPrintRate(figures, analysis);
        LoadFigures.AddLateness(figures, analysis);
        return new ScenarioOutcome(figures, analysis.Integrity);
    }

    private static Task<LoadTally> SendSinglesAsync(ScenarioContext context, DueWindow due, CancellationToken cancellationToken)
    {
        var options = context.Options;
        return SingleRequestLoad.RunAsync(
            context.Deployment.Urls, options.Connections, options.WarmUp, options.Duration, due, context.Random.Next(), cancellationToken);
    }

    private static Task<LoadTally> SendBatchesAsync(ScenarioContext context, DueWindow due, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var random = context.Random;
        var measureFrom = Stopwatch.GetTimestamp() + (long)(options.WarmUp.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);

        // Called under BatchLoad's lock, so the one Random is safe; null ends the sending.
        long[]? NextBatch() => Stopwatch.GetTimestamp() < measureTo ? [.. Enumerable.Range(0, options.BatchSize).Select(_ => due.Draw(random))] : null;
        return context.Batches.RunAsync(context.Deployment.Urls, options.BatchConcurrency, NextBatch, measureFrom, measureTo, cancellationToken);
    }
}
