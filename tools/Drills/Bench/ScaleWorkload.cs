namespace EchoAtTime.Bench;

/// <summary>
/// The due times of one scale workload. The service keeps a Redis list and a slot grain per minute
/// of due time, so the spread of due times decides how many keys the appends share: <see cref="Spread"/>
/// over an hour (sixty minutes, so sixty keys spread over the silos), <see cref="Hot"/> all in one minute
/// (every append from every silo goes to one list).
/// </summary>
public sealed class ScaleWorkload
{
    private const long MinuteMs = 60_000;

    private readonly Func<long, DueWindow> _window;

    private ScaleWorkload(string name, string description, Func<long, DueWindow> window)
    {
        Name = name;
        Description = description;
        _window = window;
    }

    public static ScaleWorkload Spread { get; } = new("spread", "due times spread uniformly over 60 minutes", startMs => new DueWindow(startMs, 60 * MinuteMs));

    // The minute after the one startMs falls in: all of it lies at or after startMs.
    public static ScaleWorkload Hot { get; } = new("hot", "every message due in one minute", startMs => new DueWindow((startMs / MinuteMs + 1) * MinuteMs, MinuteMs));

    public string Name { get; }

    public string Description { get; }

    /// <summary>The window messages are drawn from, none due before <paramref name="startMs"/> (epoch ms).</summary>
    public DueWindow Window(long startMs) => _window(startMs);
}
