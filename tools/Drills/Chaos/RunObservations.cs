namespace EchoAtTime.Chaos;

/// <summary>Everything a run observed, before any judgement: the input of <see cref="ChaosAnalysis"/>.</summary>
public sealed record RunObservations
{
    public required string WorkDir { get; init; }

    /// <summary>When the run began (before any process started), epoch ms.</summary>
    public long BeganAtMs { get; init; }

    /// <summary>When scheduling began (everything was up), epoch ms; kill times count from here.</summary>
    public long StartedAtMs { get; init; }

    public long SchedulingEndedAtMs { get; init; }

    public long DrainedAtMs { get; init; }

    public long FinishedAtMs { get; init; }

    public required RequestFigures Requests { get; init; }

    public required IReadOnlyList<AcceptedMessage> Accepted { get; init; }

    public required IReadOnlyList<Rejection> Rejections { get; init; }

    /// <summary>Texts sent in requests that got no <c>202</c>.</summary>
    public required IReadOnlySet<string> Unconfirmed { get; init; }

    public required IReadOnlyList<PrintedLine> Lines { get; init; }

    /// <summary>
    /// The schedules made (<c>--schedules</c>), the text their occurrences start with, when they were deleted.
    /// </summary>
    public IReadOnlyList<RecurringSchedule> Schedules { get; init; } = [];

    public string? OccurrencePrefix { get; init; }

    public long SchedulesDeletedAtMs { get; init; }

    public required IReadOnlyList<(string Instance, string Raw)> Unparseable { get; init; }

    /// <summary>Kills and Redis restarts as performed; analysis fills in their windows and resume times.</summary>
    public required IReadOnlyList<Disruption> Disruptions { get; init; }

    public required IReadOnlyList<InstanceFigures> Instances { get; init; }

    /// <summary>
    /// Faults injected into the silos' Redis connections (<c>--store-faults</c>), as injected; empty without.
    /// </summary>
    public IReadOnlyList<StoreFault> StoreFaults { get; init; } = [];

    /// <summary>Clock steps (<c>--clock-steps</c>), as performed; empty without.</summary>
    public IReadOnlyList<ClockStep> ClockSteps { get; init; } = [];

    /// <summary>
    /// The machine's 1-minute load average when scheduling began and when the run ended (/proc/loadavg; empty
    /// elsewhere).
    /// </summary>
    public string LoadAverage { get; init; } = "";

    public long Crashes { get; init; }

    public long FailedStarts { get; init; }
}
