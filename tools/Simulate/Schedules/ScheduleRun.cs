using EchoAtTime.Simulate.World;

namespace EchoAtTime.Simulate.Schedules;

/// <summary>One schedule against the real store: its steps in order, the healing run, then the invariants.</summary>
internal static class ScheduleRun
{
    /// <summary>The violations found (none: the schedule passed), and the trace of what happened.</summary>
    public static (List<string> Violations, IReadOnlyList<string> Trace, SimWorld World) Run(StoreHost store, IReadOnlyList<Step> steps, bool strict = false)
    {
        var world = new SimWorld(store);
        foreach (var step in steps)
        {
            world.Apply(step);
        }

        world.Heal();
        return (Verdict.Of(world, strict), world.Trace, world);
    }
}
