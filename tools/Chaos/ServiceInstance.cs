using System.Diagnostics;
using System.Net;
using System.Text;
using EchoAtTime.Testing;

namespace EchoAtTime.Chaos;

/// <summary>
/// One OS process of a silo or the gateway (<c>dotnet EchoAtTime.X.dll</c>). Its stdout goes line by
/// line to <see cref="PrintedLines"/> and to a file; its stderr (the logs) to a file and a short tail.
/// A killed process keeps everything it wrote before it died.
/// </summary>
public sealed class ServiceInstance : IAsyncDisposable
{
    private const int StderrTailLines = 50;

    private readonly Process _process;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly StreamWriter _stdoutLog;
    private readonly StreamWriter _stderrLog;
    private readonly Queue<string> _stderrTail = new();
    private readonly Action<string, string>? _onStdout;
    private int _stdoutLines;

    private ServiceInstance(string name, Process process, TimeProvider clock, string logPrefix, Action<string, string>? onStdout)
    {
        Name = name;
        _process = process;
        _clock = clock;
        _onStdout = onStdout;
        _stdoutLog = new StreamWriter(logPrefix + ".stdout", append: false, Encoding.UTF8);
        _stderrLog = new StreamWriter(logPrefix + ".stderr", append: false, Encoding.UTF8);
        StdoutPath = logPrefix + ".stdout";
        StderrPath = logPrefix + ".stderr";
    }

    /// <summary><c>node#n</c>: the n-th process (from 0) of a node.</summary>
    public string Name { get; }

    public int Pid { get; private set; }

    public long StartedAtMs { get; private set; }

    /// <summary>When it was seen ready (<c>GET /health/ready</c> = 200); 0 if never.</summary>
    public long ReadyAtMs { get; private set; }

    /// <summary>When it exited, as observed by this tool; 0 while running.</summary>
    public long ExitedAtMs { get; private set; }

    /// <summary>Ended by <c>kill -9</c> from the chaos schedule (not by the final graceful stop).</summary>
    public bool Killed { get; private set; }

    /// <summary>How the process ended: <c>killed</c>, <c>stopped</c>, <c>stop timed out (killed)</c>, <c>exited N</c>, or <c>running</c>.</summary>
    public string Ending { get; private set; } = "running";

    public string StdoutPath { get; }

    public string StderrPath { get; }

    public bool HasExited => _process.HasExited;

    public int StdoutLines => Volatile.Read(ref _stdoutLines);

    public static ServiceInstance Start(
        string name,
        string dll,
        Uri url,
        IReadOnlyDictionary<string, string> environment,
        IEnumerable<string> extraArgs,
        string workDir,
        TimeProvider clock,
        Action<string, string>? onStdout)
    {
        Directory.CreateDirectory(workDir);
        var info = new ProcessStartInfo(ServiceReadiness.DotnetHost)
        {
            WorkingDirectory = workDir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in (string[])[dll, "--urls", url.GetLeftPart(UriPartial.Authority), .. extraArgs])
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing inherited may pick another environment, URL or store.
        foreach (var inherited in (string[])["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "Redis__ConnectionString"])
        {
            info.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var instance = new ServiceInstance(name, process, clock, Path.Combine(workDir, name.Replace('#', '.')), onStdout);
        process.OutputDataReceived += (_, e) => instance.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => instance.OnStderr(e.Data);
        process.Exited += (_, _) => instance.OnExited();
        instance.StartedAtMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}: {info.FileName} {string.Join(' ', info.ArgumentList)}");
        }

        instance.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return instance;
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200. False on timeout or if the process exits first.</summary>
    public async Task<bool> WaitUntilReadyAsync(HttpClient probe, Uri baseUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!await ServiceReadiness.WaitUntilReadyAsync(_process, probe, baseUrl, timeout, cancellationToken))
        {
            return false;
        }

        ReadyAtMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary><c>kill -9</c> from the chaos schedule; returns once the process and its stdout are gone.</summary>
    public async Task KillAsync()
    {
        Killed = !_process.HasExited;
        await ProcessSignals.KillAsync(_process);
        SetEnding(Killed ? "killed" : $"exited {_process.ExitCode}");
    }

    /// <summary>The final graceful stop: SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        var wasRunning = !_process.HasExited;
        var graceful = await ProcessSignals.StopAsync(_process, grace);
        await _process.WaitForExitAsync();
        SetEnding(!wasRunning ? $"exited {_process.ExitCode}" : graceful ? "stopped" : "stop timed out (killed)");
    }

    /// <summary>The last stderr lines, for failure messages.</summary>
    public string StderrTail()
    {
        lock (_lock)
        {
            return string.Join(Environment.NewLine, _stderrTail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessSignals.KillAsync(_process);
        lock (_lock)
        {
            _stdoutLog.Dispose();
            _stderrLog.Dispose();
        }

        _process.Dispose();
    }

    private void SetEnding(string ending)
    {
        if (Ending == "running")
        {
            Ending = ending;
        }

        lock (_lock)
        {
            _stdoutLog.Flush();
            _stderrLog.Flush();
        }
    }

    private void OnExited()
    {
        if (ExitedAtMs == 0)
        {
            ExitedAtMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        }
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _stdoutLog.WriteLine(line);
        }

        Interlocked.Increment(ref _stdoutLines);
        _onStdout?.Invoke(Name, line);
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _stderrLog.WriteLine(line);
            _stderrTail.Enqueue(line);
            while (_stderrTail.Count > StderrTailLines)
            {
                _stderrTail.Dequeue();
            }
        }
    }
}
