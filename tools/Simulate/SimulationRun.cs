using CsCheck;
using EchoAtTime.Simulate.Schedules;
using EchoAtTime.Simulate.World;

namespace EchoAtTime.Simulate;

/// <summary>
/// Runs schedules drawn by CsCheck on a thread of its own (the simulator judges quiescence by the
/// thread pool, which must be the product's alone), counts them, and on a failure prints the seed and
/// the shrunk schedule with what it broke and its trace, re-run from its steps: the replay is the proof.
/// </summary>
internal sealed class SimulationRun(StoreHost store, Faults faults, int maxSteps, bool trace, bool strict)
{
    public long Schedules { get; private set; }

    public long Violations { get; private set; }

    /// <summary>How many schedules it took to find the first violation (CsCheck then goes on shrinking it).</summary>
    public long? FirstViolationAt { get; private set; }

    /// <summary>
    /// Lines printed and ids accepted over all schedules: that the schedules exercise the protocol at all.
    /// </summary>
    public long Printed { get; private set; }

    public long Accepted { get; private set; }

    /// <summary>
    /// Commits and drains refused as after a store restart that did not happen (see <c>--strict</c>).
    /// </summary>
    public long Reloads { get; private set; }

    public void Run(string? seed, long schedules, int seconds = 0)
    {
        Exception? crash = null;
        var thread = new Thread(() =>
        {
            try
            {
                ScheduleGen.Steps(faults, maxSteps).Sample(
                    steps => Passes(steps, seed is not null && trace),
                    writeLine: Console.Error.WriteLine,
                    seed: seed,
                    iter: seed is not null ? 1 : seconds > 0 ? -1 : schedules,
                    time: seed is null && seconds > 0 ? seconds : -1,
                    threads: 1,
                    print: Describe);
            }
            catch (CsCheckException ex)
            {
                Console.Error.WriteLine(ex.Message);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                crash = ex;
            }
        }, maxStackSize: 16 * 1024 * 1024);
        thread.Start();
        thread.Join();
        if (crash is not null)
        {
            throw new InvalidOperationException("The simulator itself failed.", crash);
        }
    }

    private bool Passes(Step[] steps, bool printTrace)
    {
        Schedules++;
        var (violations, lines, world) = ScheduleRun.Run(store, steps, strict);
        Printed += world.Printed.Count;
        Accepted += world.Ledger.Accepted.Count;
        Reloads += world.Reloads.Count;
        if (printTrace)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, lines));
        }

        if (violations.Count == 0)
        {
            return true;
        }

        Violations++;
        FirstViolationAt ??= Schedules;
        return false;
    }

    /// <summary>
    /// The shrunk schedule as CsCheck reports it: its steps, what it broke, and what happened, step by step.
    /// </summary>
    private string Describe(Step[] steps)
    {
        var (violations, lines, _) = ScheduleRun.Run(store, steps, strict);
        return string.Join(Environment.NewLine, [
            $"{steps.Length} steps:",
            .. steps.Select((s, i) => $"  {i + 1,3} {s}"),
            "violations:",
            .. violations.Select(v => "  " + v),
            "trace:",
            .. lines.Select(l => "  " + l),
        ]);
    }
}
