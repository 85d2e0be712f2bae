namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// What a refused start may not print: it says why in one critical line, not with an exception's trace.
/// </summary>
public static class StartRefusal
{
    public static bool IsStackTrace(string stderrLine) =>
        stderrLine.TrimStart().StartsWith("at ", StringComparison.Ordinal) || stderrLine.Contains("Unhandled exception", StringComparison.Ordinal);
}
