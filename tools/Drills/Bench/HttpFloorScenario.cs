namespace EchoAtTime.Bench;

/// <summary>
/// http.floor: what the silo's HTTP costs without the product — schedule.single's connections and pace, each
/// sending a <c>GET</c> of a path no endpoint serves (Kestrel, the middleware, routing, a 404) for the warm-up plus the
/// measured duration. Its silo CPU per request is the floor that schedule.single's silo CPU per accepted message
/// (while sending) is a multiple of: issue 26's first target is at most 1.8×.
/// </summary>
public sealed class HttpFloorScenario : IScenario
{
    public string Name => BenchScenarios.HttpFloor;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        context.Log($"  {options.Connections} connections for {options.WarmUp.TotalSeconds:0.#} s warm-up + {options.Duration.TotalSeconds:0.#} s, GET of a path nothing serves");
        var silo = SiloCpuWatch.Start(context.Deployment);
        var counters = await RuntimeCounterWatch.StartAsync(context.Deployment);
        var tally = await SingleRequestLoad.RunNotFoundAsync(context.Deployment.Urls, options.Connections, options.WarmUp, options.Duration, cancellationToken);
        var siloUsec = silo.MicrosecondsPer(tally.Requests);
        var counts = await counters.StopAsync(context.Log);
        var figures = new Figures()
            .Add("requestsPerSecond", "requests/s (404, measured)", tally.MeasuredAccepted / tally.WindowSeconds, 0)
            .Add("siloCpuUsecPerRequest", "silo CPU µs / request", siloUsec, 1);
        RuntimeCounts.AddPerRequest(figures, counts, tally.Requests);
        LoadFigures.Add(figures, tally);

        // Nothing was scheduled: only unparseable output could count against it.
        var analysis = await context.WaitForPrintsAsync([], ScenarioContext.NowMs, cancellationToken);
        return new ScenarioOutcome(figures, analysis.Integrity);
    }
}
