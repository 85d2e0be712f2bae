namespace EchoAtTime.Testing;

/// <summary>What a service process reads its stdout into.</summary>
public enum StdoutHandling
{
    /// <summary>
    /// Read line by line as it comes, kept in memory (with receive times) and passed to
    /// <see cref="ServiceLaunch.OnStdout"/>.
    /// </summary>
    Read,

    /// <summary>
    /// A pipe nobody reads: once its buffer (64 KB on Linux) is full, the service's writes block, as on a stuck
    /// console.
    /// </summary>
    Unread,

    /// <summary>
    /// Straight into <see cref="ServiceLaunch.LogPrefix"/><c>.stdout</c> (stderr too), with no reader that could slow
    /// the service down.
    /// </summary>
    File,
}

/// <summary>How to start one Silo or Gateway process: <c>dotnet {Dll} --urls {BaseUrl}</c>.</summary>
/// <param name="Name">Names the process in evidence, e.g. <c>silo-2#1</c>.</param>
public sealed record ServiceLaunch(string Name, string Dll, Uri BaseUrl)
{
    /// <summary>
    /// Added to this process's environment, after the variables that could pick another URL, environment or store are
    /// removed.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>More inherited variables to remove (a tool's own tuning).</summary>
    public IReadOnlyList<string> Unset { get; init; } = [];

    /// <summary>The working directory; null: a fresh temp directory, deleted when the process is disposed.</summary>
    public string? WorkDir { get; init; }

    /// <summary>
    /// Where stdout and stderr are written (<c>.stdout</c>, <c>.stderr</c>); null: nowhere. Needed for
    /// <see cref="StdoutHandling.File"/>.
    /// </summary>
    public string? LogPrefix { get; init; }

    public StdoutHandling Stdout { get; init; } = StdoutHandling.Read;

    /// <summary>
    /// Called with (process name, line) for every stdout line as it is read (<see cref="StdoutHandling.Read"/>).
    /// </summary>
    public Action<string, string>? OnStdout { get; init; }

    /// <summary>
    /// A cgroup's <c>cgroup.procs</c> the process enters before the runtime starts (so it sees the CPU quota from its
    /// first thread); null: none.
    /// </summary>
    public string? CgroupProcs { get; init; }
}
