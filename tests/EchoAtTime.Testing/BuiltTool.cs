using System.Diagnostics;

namespace EchoAtTime.Testing;

/// <summary>
/// A tool of tools/ run as its built program, as an operator would, for the tests that check it end to end (the
/// bench's smoke run, the simulator's budget): its exit code and both outputs, stopped on SIGTERM (then SIGKILL) past
/// a timeout.
/// </summary>
public static class BuiltTool
{
    /// <summary>
    /// <c>tools/{folder}/bin/{configuration}/net10.0/EchoAtTime.{folder}.dll</c>, built as the tests are.
    /// </summary>
    public static string Dll(string folder)
    {
        var path = Path.Combine(BuiltService.RepositoryRoot(null), "tools", folder, "bin", BuiltService.Configuration, "net10.0", $"EchoAtTime.{folder}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"tools/{folder} is not built (looked at {path}).", path);
    }

    /// <summary>
    /// Runs the tool to its end; past <paramref name="timeout"/> it gets SIGTERM and <paramref name="stopGrace"/> to
    /// stop what it started, then SIGKILL, and the run throws <see cref="TimeoutException"/> with what it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string folder, TimeSpan timeout, TimeSpan stopGrace, params string[] args)
    {
        var info = new ProcessStartInfo(ServiceReadiness.DotnetHost) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[Dll(folder), .. args])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"tools/{folder} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var stopped = await ProcessSignals.StopAsync(process, stopGrace).ConfigureAwait(false);
            throw new TimeoutException(
                $"tools/{folder} did not finish within {timeout} ({(stopped ? "stopped on SIGTERM" : $"killed after {stopGrace} of SIGTERM")}):\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
