namespace EchoAtTime.Chaos;

/// <summary>One OS process that played a node during the run, and what it printed.</summary>
public sealed record InstanceFigures(
    string Name,
    int Pid,
    long StartedAtMs,
    long ReadyAtMs,
    long ExitedAtMs,
    string Ending,
    int StdoutLines,
    string StdoutPath,
    string StderrPath);
