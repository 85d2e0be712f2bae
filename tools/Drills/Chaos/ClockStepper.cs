namespace EchoAtTime.Chaos;

/// <summary>
/// The clock fault (<c>--clock-steps</c>): at random moments one ready silo's wall clock steps by
/// ±<see cref="StepSeconds"/> s (an NTP step, a resumed VM). The silo is expected to see the step and
/// leave the cluster (exit code 75, its clock beyond <c>Echo:MaxClockSkew</c>): an injected departure
/// like a kill, not a crash. Once it has gone its clock is set back to +0 and a fresh process started,
/// as an operator fixing the clock would.
/// </summary>
public sealed class ClockStepper(ChaosOptions options, Deployment deployment, Random random, TimeProvider clock, Action<string> log)
{
    public const int StepSeconds = 3;

    /// <summary>
    /// A silo that has not left this long after its step is reported as staying (its clock is then set back).
    /// </summary>
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(20);

    private readonly Lock _lock = new();
    private readonly List<ClockStep> _steps = [];

    public IReadOnlyList<ClockStep> Steps()
    {
        lock (_lock)
        {
            return [.. _steps];
        }
    }

    /// <param name="chaos">Ends the stepping; a step under way still completes (its silo is back or given up).</param>
    public async Task RunAsync(long startedAtMs, CancellationToken chaos, CancellationToken cancellationToken)
    {
        if (options.ClockSteps == TimeSpan.Zero)
        {
            return;
        }

        for (var n = 1; ; n++)
        {
            // Anywhere within the middle of its interval: steps must not land on the kills' or store faults' cadence.
            var atMs = startedAtMs + (long)((n - 0.5 + random.NextDouble()) * options.ClockSteps.TotalMilliseconds);
            try
            {
                await Conditions.DelayUntilAsync(clock, atMs, chaos);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var ready = deployment.Silos.Where(s => s.IsReady && !s.ClockStepped).ToList();
            if (ready.Count == 0)
            {
                log("chaos: clock step: no ready silo this time");
                continue;
            }

            var step = await StepAsync(ready[random.Next(ready.Count)], random.Next(2) == 0 ? -StepSeconds : StepSeconds, startedAtMs, cancellationToken);
            lock (_lock)
            {
                _steps.Add(step);
            }
        }
    }

    private async Task<ClockStep> StepAsync(ServiceNode node, int seconds, long startedAtMs, CancellationToken cancellationToken)
    {
        var instance = node.Current!;
        var clockFile = node.ClockFile!;
        node.ClockStepped = true;
        try
        {
            var atMs = NowMs;
            await Faketime.SetOffsetAsync(clockFile, seconds);
            log($"chaos: clock of {instance.Name} (pid {instance.Pid}) stepped {seconds:+0;-0} s at +{(atMs - startedAtMs) / 1000.0:F1} s");
            var left = await Conditions.WaitUntilAsync(() => instance.HasExited, LeaveTimeout, cancellationToken);
            var leftAtMs = NowMs;

            // Set back first: the fresh process must not start with the stepped clock (it would refuse to).
            await Faketime.SetOffsetAsync(clockFile, 0);
            if (!left)
            {
                log($"chaos: {instance.Name} did not leave within {LeaveTimeout.TotalSeconds:0} s of its clock step; clock set back, it runs on");
                return new ClockStep { Node = node.Name, Instance = instance.Name, AtMs = atMs, AtSecond = Seconds(atMs, startedAtMs), Seconds = seconds };
            }

            // Settles how it ended (exited N), so the report does not show it as running.
            await node.KillAsync();
            var exitedAtMs = instance.ExitedAtMs > 0 ? instance.ExitedAtMs : leftAtMs;
            var back = await deployment.RestartAsync(node, log, cancellationToken);
            var replacement = node.Current!;
            log($"chaos: {instance.Name} left {exitedAtMs - atMs} ms after its clock step (exit {instance.ExitCode}); "
                + (back ? $"{replacement.Name} (pid {replacement.Pid}) ready {replacement.ReadyAtMs - atMs} ms after the step" : $"{node.Name} did not come back"));
            return new ClockStep
            {
                Node = node.Name,
                Instance = instance.Name,
                AtMs = atMs,
                AtSecond = Seconds(atMs, startedAtMs),
                Seconds = seconds,
                LeftAfterMs = exitedAtMs - atMs,
                ExitCode = instance.ExitCode,
                RestartedAs = back ? replacement.Name : "",
                BackReadyAfterMs = back ? replacement.ReadyAtMs - atMs : null,
            };
        }
        finally
        {
            node.ClockStepped = false;
        }
    }

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static double Seconds(long atMs, long startedAtMs) => Math.Round((atMs - startedAtMs) / 1000.0, 1);
}
