using System.Diagnostics;
using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// CPU time a process has used (user + system), from <c>/proc/&lt;pid&gt;/stat</c>: works for any pid
/// this tool started, including the silos it started through <c>/bin/bash -c exec</c> and redis-server.
/// </summary>
public static class ProcessCpu
{
    private static readonly Lazy<long> ClockTicks = new(ReadClockTicks);

    /// <summary>Ticks per second of <c>/proc</c> times (sysconf <c>CLK_TCK</c>, 100 on Linux).</summary>
    public static long TicksPerSecond => ClockTicks.Value;

    /// <summary>utime + stime in seconds; null when the process is gone.</summary>
    public static double? Seconds(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        // There field 3 (state) comes first, so utime (field 14) and stime (15) are at 11 and 12.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)TicksPerSecond;
    }

    /// <summary>The processes' CPU time together, seconds; a process that is gone counts 0.</summary>
    public static double Seconds(IEnumerable<int> pids) => pids.Sum(pid => Seconds(pid) ?? 0);

    /// <summary>This tool's own CPU time, seconds.</summary>
    public static double Own()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static long ReadClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false });
            if (getconf is not null)
            {
                var text = getconf.StandardOutput.ReadToEnd().Trim();
                getconf.WaitForExit();
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks > 0)
                {
                    return ticks;
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No getconf: Linux's USER_HZ is 100 on every architecture .NET runs on.
        }

        return 100;
    }
}
