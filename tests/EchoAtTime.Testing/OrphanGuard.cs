using System.Diagnostics;
using System.Globalization;

namespace EchoAtTime.Testing;

/// <summary>
/// Kills the processes this harness started when the harness itself dies without cleaning up (a
/// crashed or killed test host, a tool stopped with <c>kill -9</c>): otherwise silos and stores
/// outlive it, hold their ports and keep printing. One watchdog shell per harness process waits for
/// this process to exit (<c>tail --pid</c>) and then SIGKILLs every child still listed, each checked
/// by its start time so that a reused pid is left alone.
/// </summary>
public static class OrphanGuard
{
    private const string Watchdog =
        """
        exec </dev/null >/dev/null 2>&1
        host=$1; list=$2
        tail --pid="$host" -f /dev/null
        [ -f "$list" ] || exit 0
        while read -r pid start; do
          [ "$(sed 's/.*) //' /proc/"$pid"/stat 2>/dev/null | cut -d' ' -f20)" = "$start" ] && kill -9 "$pid"
        done <"$list"
        rm -f "$list"
        """;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, string> Children = [];
    private static readonly string ListPath = Path.Combine(Path.GetTempPath(), "echo-harness", $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.children");
    private static bool _watching;

    /// <summary>Lists a started child; from now on it dies with this process.</summary>
    public static void Adopt(Process child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var start = StartTime(child.Id);
        if (start is null)
        {
            return; // Already gone.
        }

        lock (Gate)
        {
            Children[child.Id] = start;
            Write();
            if (!_watching)
            {
                _watching = true;
                StartWatchdog();
            }
        }
    }

    /// <summary>Unlists a child that has exited (or was stopped) for good.</summary>
    public static void Release(int pid)
    {
        lock (Gate)
        {
            if (Children.Remove(pid))
            {
                Write();
            }
        }
    }

    /// <summary>
    /// Field 22 of <c>/proc/pid/stat</c> (clock ticks after boot): with the pid, names one process for good.
    /// </summary>
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Write()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ListPath)!);
        var temp = ListPath + ".tmp";
        File.WriteAllLines(temp, Children.Select(c => $"{c.Key.ToString(CultureInfo.InvariantCulture)} {c.Value}"));
        File.Move(temp, ListPath, overwrite: true);
    }

    private static void StartWatchdog()
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in (string[])["-c", Watchdog, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ListPath])
        {
            info.ArgumentList.Add(arg);
        }

        // Not waited for: it lives exactly as long as this process, and a little after.
        using var watchdog = Process.Start(info);
    }
}
