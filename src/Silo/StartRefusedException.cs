namespace EchoAtTime.Silo;

/// <summary>
/// The silo must not start (an embedded store it can't open safely, a clock beyond the bound): already
/// logged as one critical line saying why and what to do, so the host exits with code 1 and no stack trace.
/// </summary>
public sealed class StartRefusedException(string problem) : Exception(problem);
