using System.Diagnostics;
using System.Globalization;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// What the harness starts dies with it: a test host that crashes, or a tool killed with
/// <c>kill -9</c>, must not leave silos and stores running (holding ports, printing, using CPU).
/// </summary>
public sealed class OrphanTests
{
    [Fact]
    public async Task The_silo_and_the_store_a_harness_started_die_with_it_when_it_is_killed_with_sigkill()
    {
        var workDir = Directory.CreateTempSubdirectory("echo-orphans-").FullName;

        var info = new ProcessStartInfo(ServiceReadiness.DotnetHost) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[BuiltTool.Dll("Drills"), "chaos", "--silos", "1", "--gateway", "false", "--messages", "100", "--duration", "300", "--kill-every", "0",
                     "--config", BuiltService.Configuration, "--work-dir", workDir, "--report", Path.Combine(workDir, "report.json")])
        {
            info.ArgumentList.Add(arg);
        }

        using var harness = Process.Start(info)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        harness.OutputDataReceived += (_, _) => { };
        harness.BeginErrorReadLine();
        harness.BeginOutputReadLine();
        List<int> children = [];
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
            children = Descendants(harness.Id).Where(pid => CommandLine(pid) is var c && (c.Contains("EchoAtTime.Silo.dll", StringComparison.Ordinal)
                || c.Contains("redis-server", StringComparison.Ordinal) || c.Contains("GarnetHost", StringComparison.Ordinal))).ToList();
            Assert.True(children.Count == 2, $"expected the silo and the store among the harness's children, found {string.Join(", ", children.Select(CommandLine))}");

            await ProcessSignals.KillAsync(harness);

            await Conditions.WaitForAsync(() => Task.FromResult(children.All(Gone)), TimeSpan.FromSeconds(15),
                $"processes outlived the killed harness: {string.Join(", ", children.Where(p => !Gone(p)).Select(CommandLine))}");
        }
        finally
        {
            foreach (var pid in children.Where(p => !Gone(p)))
            {
                Process.GetProcessById(pid).Kill();
            }

            await ProcessSignals.KillAsync(harness);
            Directory.Delete(workDir, recursive: true);
        }
    }

    private static IEnumerable<int> Descendants(int pid)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
        {
            foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
            {
                yield return child;
                foreach (var grandchild in Descendants(child))
                {
                    yield return grandchild;
                }
            }
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Exited: no such process, or a zombie nobody reaped yet (it runs nothing and holds no port).</summary>
    private static bool Gone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[stat.LastIndexOf(')') + 2] == 'Z';
        }
        catch (IOException)
        {
            return true;
        }
    }
}
