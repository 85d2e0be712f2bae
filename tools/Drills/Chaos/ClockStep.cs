namespace EchoAtTime.Chaos;

/// <summary>
/// One step of a silo's wall clock (<c>--clock-steps</c>): its libfaketime offset went from 0 to
/// ±<see cref="ClockStepper.StepSeconds"/> s. The silo is expected to notice and leave the cluster
/// (exit code 75); the tool then sets its clock back and starts a fresh process.
/// </summary>
public sealed record ClockStep
{
    /// <summary>The node, e.g. <c>silo-2</c>.</summary>
    public required string Node { get; init; }

    /// <summary>The process whose clock stepped, e.g. <c>silo-2#1</c>.</summary>
    public required string Instance { get; init; }

    /// <summary>When the offset was written, epoch ms (this machine's clock).</summary>
    public required long AtMs { get; init; }

    /// <summary>Seconds since scheduling began.</summary>
    public double AtSecond { get; init; }

    /// <summary>The step: +3 (ahead) or −3 (behind), seconds.</summary>
    public required int Seconds { get; init; }

    /// <summary>
    /// From the step until the process exited, ms; null when it did not exit in time (its clock was then set back).
    /// </summary>
    public long? LeftAfterMs { get; init; }

    /// <summary>How it exited (75: it left because of its clock); null when it did not.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The fresh process that replaced it (empty if there was none).</summary>
    public string RestartedAs { get; init; } = "";

    /// <summary>From the step until the replacement answered ready, ms; null if it never did.</summary>
    public long? BackReadyAfterMs { get; init; }
}
