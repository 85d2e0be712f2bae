using System.Diagnostics;
using System.Net;
using EchoAtTime.Chaos;
using EchoAtTime.Testing;

namespace EchoAtTime.Bench;

/// <summary>
/// One silo process whose stdout goes straight to a file. Chaos's ServiceInstance reads stdout
/// through a pipe and parses each line as it comes; at 100k+ lines/s a reader that falls behind
/// fills the pipe and the silo's writes block, which would throttle exactly what is measured. So the
/// silo is started as <c>/bin/sh -c 'exec dotnet … &gt;stdout 2&gt;stderr'</c>: the shell sets up the
/// files and replaces itself, the pid is the dotnet process, and nothing this tool does can slow the
/// silo's writes. The tool reads the files afterwards (and counts their lines while waiting).
/// Given a cgroup, the shell moves itself into it before the exec, so no thread of the silo ever runs
/// outside it and the .NET runtime, which reads its CPU limit once at start, always sees the quota.
/// </summary>
/// <param name="name"><c>silo-n#k</c>: the k-th process (from 0) of silo n.</param>
/// <param name="process">The running <c>dotnet</c> process.</param>
/// <param name="file">Path of its output files without the <c>.stdout</c> / <c>.stderr</c> ending.</param>
public sealed class SiloProcess(string name, Process process, string file) : IAsyncDisposable
{
    // Redirects first, so that a failed move into the cgroup is in the silo's stderr file.
    private const string Launcher =
        """out=$1; err=$2; procs=$3; shift 3; exec <"/dev/null" >"$out" 2>"$err"; if [ -n "$procs" ]; then echo $$ >"$procs" || exit 1; fi; exec "$@" """;
    private const int StderrTailLines = 40;

    /// <summary>The tool's own socket tuning (see Program.cs); never passed on to a silo.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public string Name => name;

    public int Pid => process.Id;

    public string StdoutPath { get; } = file + ".stdout";

    public string StderrPath { get; } = file + ".stderr";

    /// <summary>When this tool launched it, epoch ms.</summary>
    public long StartedAtMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>When it first answered <c>GET /health/ready</c> with 200, epoch ms; 0 before.</summary>
    public long ReadyAtMs { get; private set; }

    public bool HasExited => process.HasExited;

    /// <param name="cgroupProcs">A cgroup's <c>cgroup.procs</c> to start the silo in (see <see cref="CpuCgroup"/>); null: none.</param>
    public static SiloProcess Start(
        string name, string dll, Uri url, IReadOnlyDictionary<string, string> environment, IEnumerable<string> extraArgs, string dir, string? cgroupProcs = null)
    {
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, name.Replace('#', '.'));
        var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = dir, UseShellExecute = false };
        foreach (var arg in (string[])["-c", Launcher, "sh", file + ".stdout", file + ".stderr", cgroupProcs ?? "", ServiceReadiness.DotnetHost, dll, "--urls", url.GetLeftPart(UriPartial.Authority), .. extraArgs])
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing inherited may pick another environment, URL or store, or tune the silo's sockets.
        foreach (var inherited in (string[])["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "Redis__ConnectionString", InlineCompletionsVariable])
        {
            info.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return new SiloProcess(name, Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}."), file);
    }

    /// <summary>Polls <c>GET /health/ready</c> until 200; false if the process exits first or <paramref name="timeout"/> passes.</summary>
    public async Task<bool> WaitUntilReadyAsync(HttpClient probe, Uri baseUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!await ServiceReadiness.WaitUntilReadyAsync(process, probe, baseUrl, timeout, cancellationToken))
        {
            return false;
        }

        ReadyAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary>SIGTERM, SIGKILL after <paramref name="grace"/>. True when it stopped by itself.</summary>
    public Task<bool> StopAsync(TimeSpan grace) => ProcessSignals.StopAsync(process, grace);

    /// <summary>The end of its stderr (its logs), for failure messages.</summary>
    public string StderrTail()
    {
        try
        {
            using var reader = new StreamReader(new FileStream(StderrPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return string.Join(Environment.NewLine, reader.ReadToEnd().Split('\n').TakeLast(StderrTailLines));
        }
        catch (IOException ex)
        {
            return $"(no stderr: {ex.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessSignals.KillAsync(process);
        process.Dispose();
    }
}
