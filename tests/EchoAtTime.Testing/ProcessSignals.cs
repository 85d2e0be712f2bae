using System.Diagnostics;
using System.Globalization;

namespace EchoAtTime.Testing;

/// <summary>Signals for processes the harness started, always addressed by their own pid (never by name).</summary>
public static class ProcessSignals
{
    /// <summary>
    /// SIGTERM: the graceful stop a process supervisor sends. .NET only offers SIGKILL
    /// (<see cref="Process.Kill()"/>), so this runs <c>kill -TERM pid</c>.
    /// </summary>
    public static async Task TerminateAsync(int pid)
    {
        var info = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-TERM");
        info.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(info);
        if (kill is not null)
        {
            // "No such process" only means it already exited.
            await kill.StandardError.ReadToEndAsync();
            await kill.WaitForExitAsync();
        }
    }

    /// <summary>SIGKILL (<c>kill -9</c>) of the process alone, then wait until it is gone.</summary>
    public static async Task KillAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        await process.WaitForExitAsync();
    }

    /// <summary>
    /// SIGTERM, and SIGKILL if the process is still there after <paramref name="grace"/>. True when it exited by
    /// itself.
    /// </summary>
    public static async Task<bool> StopAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return true;
        }

        await TerminateAsync(process.Id);
        using var wait = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            await KillAsync(process);
            return false;
        }
    }
}
