using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EchoAtTime.Testing;

/// <summary>
/// One Silo or Gateway run as a real child process on loopback, for the tests and the tools alike.
/// It is started through <c>/bin/bash -c '… exec dotnet …'</c>: the shell sets up redirections and the
/// cgroup and then becomes the service, so the pid is the service's. Bash, not sh: Debian's dash drops
/// environment variables whose names are no shell identifiers, and .NET configuration keys such as
/// <c>Logging__LogLevel__EchoAtTime.Grains.Slots.TimeSlotGrain</c> have dots. stdout carries only echoed
/// messages (<see cref="StdoutHandling"/> says where they go); stderr (the logs) is kept whole and
/// its tail shown in failure messages. Stopped by its own pid: SIGTERM for a graceful stop, SIGKILL
/// otherwise; it dies with the harness (<see cref="OrphanGuard"/>).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    // Redirects first, so that a failed move into the cgroup is in the service's stderr.
    private const string Launcher =
        """out=$1; err=$2; procs=$3; shift 3; exec </dev/null; if [ -n "$out" ]; then exec >"$out" 2>"$err"; fi; if [ -n "$procs" ]; then echo $$ >"$procs" || exit 1; fi; exec "$@" """;
    private const int StderrTailLines = 60;

    private static readonly string[] Inherited = ["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "Redis__ConnectionString"];

    private readonly ServiceLaunch _launch;
    private readonly Process _process;
    private readonly string _workDir;
    private readonly ServiceOutput _output;

    private ServiceProcess(ServiceLaunch launch, Process process, string workDir)
    {
        _launch = launch;
        _process = process;
        _workDir = workDir;
        _output = new ServiceOutput(launch);
    }

    public string Name => _launch.Name;

    /// <summary>The HTTP API, e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl => _launch.BaseUrl;

    public int Pid { get; private set; }

    /// <summary>When it was launched, epoch ms.</summary>
    public long StartedAtMs { get; private set; }

    /// <summary>When it first answered <c>GET /health/ready</c> with 200, epoch ms; 0 before.</summary>
    public long ReadyAtMs { get; private set; }

    /// <summary>When it was seen to exit, epoch ms; 0 while running.</summary>
    public long ExitedAtMs { get; private set; }

    /// <summary>Ended by <see cref="KillAsync"/> while it ran.</summary>
    public bool Killed { get; private set; }

    /// <summary>
    /// How it ended: <c>killed</c>, <c>stopped</c>, <c>stop timed out (killed)</c>, <c>exited N</c>, or <c>running</c>.
    /// </summary>
    public string Ending { get; private set; } = "running";

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; only once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    public string? StdoutPath => _output.StdoutPath;

    public string? StderrPath => _output.StderrPath;

    public int StdoutCount => _output.StdoutCount;

    public static ServiceProcess Start(ServiceLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var toFile = launch.Stdout == StdoutHandling.File;
        if (toFile && launch.LogPrefix is null)
        {
            throw new ArgumentException("Stdout to a file needs a LogPrefix.", nameof(launch));
        }

        var workDir = launch.WorkDir ?? Directory.CreateTempSubdirectory($"echo-{launch.Name.Replace('#', '.')}-").FullName;
        Directory.CreateDirectory(workDir);
        var info = new ProcessStartInfo("/bin/bash")
        {
            WorkingDirectory = workDir,
            UseShellExecute = false,
            RedirectStandardOutput = !toFile,
            RedirectStandardError = !toFile,
            StandardOutputEncoding = toFile ? null : Encoding.UTF8,
            StandardErrorEncoding = toFile ? null : Encoding.UTF8,
        };
        string[] shell = ["-c", Launcher, "sh", toFile ? launch.LogPrefix + ".stdout" : "", toFile ? launch.LogPrefix + ".stderr" : "", launch.CgroupProcs ?? ""];
        foreach (var arg in (string[])[.. shell, ServiceReadiness.DotnetHost, launch.Dll, "--urls", launch.BaseUrl.GetLeftPart(UriPartial.Authority), .. launch.ExtraArgs])
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var inherited in Inherited.Concat(launch.Unset))
        {
            info.Environment.Remove(inherited);
        }

        foreach (var (key, value) in launch.Environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(launch, process, workDir);
        if (!toFile)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    service._output.OnStdout(line);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    service._output.OnStderr(line);
                }
            };
        }

        process.Exited += (_, _) => service.OnExited();
        service.StartedAtMs = NowMs;
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {launch.Name}: {launch.Dll}");
        }

        service.Pid = process.Id;
        OrphanGuard.Adopt(process);
        if (launch.Stdout == StdoutHandling.Read)
        {
            process.BeginOutputReadLine();
        }

        if (!toFile)
        {
            process.BeginErrorReadLine();
        }

        return service;
    }

    /// <summary>
    /// Polls <c>GET /health/ready</c> until it answers 200. False on timeout or if the process exits first.
    /// </summary>
    public async Task<bool> TryWaitUntilReadyAsync(HttpClient probe, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!await ServiceReadiness.WaitUntilReadyAsync(_process, probe, BaseUrl, timeout, cancellationToken))
        {
            return false;
        }

        ReadyAtMs = NowMs;
        return true;
    }

    /// <summary>
    /// As <see cref="TryWaitUntilReadyAsync"/>, but throws with the stderr tail when it is not ready.
    /// </summary>
    public async Task WaitUntilReadyAsync(HttpClient probe, TimeSpan timeout)
    {
        if (!await TryWaitUntilReadyAsync(probe, timeout))
        {
            throw _process.HasExited
                ? new InvalidOperationException($"{Name} exited before it was ready.\n{StderrTail()}")
                : new TimeoutException($"{Name} was not ready at {new Uri(BaseUrl, "health/ready")} within {timeout}.\n{StderrTail()}");
        }
    }

    /// <summary>SIGKILL, then wait until the process and its stdout are gone.</summary>
    public async Task KillAsync()
    {
        Killed = !_process.HasExited || Killed;
        await ProcessSignals.KillAsync(_process);
        SetEnding(Killed ? "killed" : $"exited {_process.ExitCode}");
    }

    /// <summary>
    /// SIGTERM (a graceful host shutdown), SIGKILL after <paramref name="grace"/>. True when it stopped by itself.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        var wasRunning = !_process.HasExited;
        var graceful = await ProcessSignals.StopAsync(_process, grace);
        await _process.WaitForExitAsync();
        if (!graceful)
        {
            _output.OnStderr($"[harness] {Name} did not exit within {grace} of SIGTERM; killed it.");
        }

        SetEnding(!wasRunning ? $"exited {_process.ExitCode}" : graceful ? "stopped" : "stop timed out (killed)");
        return graceful;
    }

    /// <summary>
    /// The stdout lines so far, in the order the process wrote them. Unread stdout: none while the
    /// process runs; once it has exited, the complete lines it left in the pipe (a line cut off
    /// mid-write is not a printed line). Stdout to a file: the file's complete lines.
    /// </summary>
    public IReadOnlyList<string> StdoutLines() => [.. StdoutLinesReceived().Select(l => l.Line)];

    /// <summary>
    /// Each stdout line with the time (this machine's clock, epoch ms) this process read it: it
    /// can't have been printed later, so "never early" can be judged without the service's clock.
    /// </summary>
    public IReadOnlyList<(string Line, long ReceivedMs)> StdoutLinesReceived()
    {
        SettleIfExited();
        return _output.StdoutLinesReceived(_process);
    }

    /// <summary>
    /// Every stdout line as an echoed message, with its receive time; throws on any other line (stdout may carry
    /// nothing else).
    /// </summary>
    public IReadOnlyList<PrintedLine> Printed() => [.. StdoutLinesReceived().Select(l => PrintedLine.Parse(Name, l.Line, l.ReceivedMs))];

    /// <summary>Every stderr line so far.</summary>
    public IReadOnlyList<string> StderrLines()
    {
        SettleIfExited();
        return _output.StderrLines();
    }

    /// <summary>The last stderr lines, headed by name, pid and exit code: for failure messages.</summary>
    public string StderrTail()
    {
        var lines = StderrLines();
        var exit = _process.HasExited ? $" (exited with {_process.ExitCode.ToString(CultureInfo.InvariantCulture)})" : "";
        var sb = new StringBuilder().Append("----- ").Append(Name).Append(" pid ").Append(Pid).Append(exit)
            .Append(": last ").Append(Math.Min(lines.Count, StderrTailLines)).AppendLine(" stderr lines -----");
        foreach (var line in lines.TakeLast(StderrTailLines))
        {
            sb.AppendLine(line);
        }

        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessSignals.KillAsync(_process);
        OrphanGuard.Release(Pid);
        _output.Dispose();
        _process.Dispose();
        if (_launch.WorkDir is null)
        {
            try
            {
                Directory.Delete(_workDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>
    /// Once the process has exited, its last lines may still be on their way through the pipe readers:
    /// <see cref="Process.WaitForExit()"/> returns when they have reached the end of both streams.
    /// </summary>
    private void SettleIfExited()
    {
        if (_process.HasExited)
        {
            _process.WaitForExit();
        }
    }

    private void SetEnding(string ending)
    {
        if (Ending == "running")
        {
            Ending = ending;
        }

        _output.Flush();
    }

    private void OnExited()
    {
        if (ExitedAtMs == 0)
        {
            ExitedAtMs = NowMs;
        }
    }
}
