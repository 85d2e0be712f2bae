using System.Globalization;

namespace EchoAtTime.Testing;

/// <summary>
/// A CPU cgroup of its own with a fixed quota, one per silo in the scale scenario, so that every silo
/// gets the same CPU share whatever else runs on the machine. cgroup v1 where the cpu controller is
/// mounted at <c>/sys/fs/cgroup/cpu</c> (<c>cpu.cfs_quota_us</c> / <c>cpu.cfs_period_us</c>), else
/// cgroup v2 at <c>/sys/fs/cgroup</c> (<c>cpu.max</c>, with <c>+cpu</c> in the root's
/// <c>cgroup.subtree_control</c>). It needs root: <see cref="Create"/> throws
/// <see cref="InvalidOperationException"/> saying why when it cannot, so a throttled run never
/// silently runs unthrottled. <see cref="Dispose"/> removes it (rmdir), which the kernel allows once
/// the processes in it have exited.
/// </summary>
public sealed class CpuCgroup : IDisposable
{
    private const string V1Root = "/sys/fs/cgroup/cpu";
    private const string V2Root = "/sys/fs/cgroup";

    // The kernel's default CFS period; the quota is the share of it the group may run per period.
    private const long PeriodMicroseconds = 100_000;

    // The kernel refuses quotas below 1 ms per period.
    private const long MinQuotaMicroseconds = 1_000;

    private readonly string _name;
    private readonly bool _v2;

    private CpuCgroup(string name, string directory, bool v2, double cores)
    {
        _name = name;
        DirectoryPath = directory;
        _v2 = v2;
        Cores = cores;
    }

    /// <summary>The group's directory in the cgroup file system.</summary>
    public string DirectoryPath { get; }

    /// <summary>Writing a pid here moves that process (all its threads) into the group.</summary>
    public string ProcsPath => Path.Combine(DirectoryPath, "cgroup.procs");

    /// <summary>The CPU the group may use, in cores (0.25 = a quarter of one core).</summary>
    public double Cores { get; }

    /// <summary>Smallest quota the kernel takes, in cores.</summary>
    public static double MinCores => MinQuotaMicroseconds / (double)PeriodMicroseconds;

    /// <summary>Makes the group <paramref name="name"/> (unique per run) limited to <paramref name="cores"/>.</summary>
    public static CpuCgroup Create(string name, double cores)
    {
        var quota = Math.Max(MinQuotaMicroseconds, (long)Math.Round(cores * PeriodMicroseconds));
        try
        {
            if (File.Exists(Path.Combine(V1Root, "cpu.cfs_quota_us")))
            {
                return Make(new CpuCgroup(name, Path.Combine(V1Root, name), v2: false, cores), group =>
                {
                    // Period first: a quota larger than the old period would otherwise be checked against it.
                    Write(Path.Combine(group.DirectoryPath, "cpu.cfs_period_us"), PeriodMicroseconds);
                    Write(Path.Combine(group.DirectoryPath, "cpu.cfs_quota_us"), quota);
                });
            }

            var controllers = Path.Combine(V2Root, "cgroup.controllers");
            if (File.Exists(controllers) && Words(File.ReadAllText(controllers)).Contains("cpu"))
            {
                // A child gets the cpu.* files only when its parent hands the controller down.
                var subtree = Path.Combine(V2Root, "cgroup.subtree_control");
                if (!Words(File.ReadAllText(subtree)).Contains("cpu"))
                {
                    File.WriteAllText(subtree, "+cpu");
                }

                return Make(new CpuCgroup(name, Path.Combine(V2Root, name), v2: true, cores), group =>
                    File.WriteAllText(Path.Combine(group.DirectoryPath, "cpu.max"), string.Create(CultureInfo.InvariantCulture, $"{quota} {PeriodMicroseconds}")));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Could not make the CPU cgroup {name} ({ex.Message}). Limiting each silo's CPU needs root and a writable cpu controller "
                + $"(cgroup v1 at {V1Root} or v2 at {V2Root}); the scenario does not run unthrottled instead.", ex);
        }

        throw new InvalidOperationException(
            $"No cgroup cpu controller: neither {V1Root}/cpu.cfs_quota_us (v1) nor 'cpu' in {V2Root}/cgroup.controllers (v2); "
            + "the scenario limits each silo's CPU and does not run unthrottled instead.");
    }

    /// <summary>
    /// Whether the process is in this group, from <c>/proc/&lt;pid&gt;/cgroup</c>: the v1 line whose
    /// controllers include <c>cpu</c>, or the v2 line (<c>0::</c>), names <c>/&lt;name&gt;</c>.
    /// </summary>
    public bool Holds(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        return lines.Select(line => line.Split(':', 3)).Any(parts => parts.Length == 3
            && (_v2 ? parts[0] == "0" && parts[1].Length == 0 : parts[1].Split(',').Contains("cpu"))
            && parts[2] == "/" + _name);
    }

    /// <summary>
    /// Removes the group; best effort, as a process still in it (one that could not be stopped) keeps it busy.
    /// </summary>
    public void Dispose()
    {
        try
        {
            // rmdir, not a recursive delete: the control files inside are the kernel's and go with the directory.
            Directory.Delete(DirectoryPath, recursive: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind empty at worst: it holds no process and costs nothing.
        }
    }

    private static CpuCgroup Make(CpuCgroup group, Action<CpuCgroup> configure)
    {
        Directory.CreateDirectory(group.DirectoryPath);
        try
        {
            configure(group);
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    private static void Write(string path, long value) => File.WriteAllText(path, value.ToString(CultureInfo.InvariantCulture));

    private static string[] Words(string text) => text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
}
