using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using EchoAtTime.Chaos;
using EchoAtTime.Testing;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// One Silo or Gateway run as a real child process (<c>dotnet EchoAtTime.X.dll</c>) on loopback ports:
/// every stdout line is kept (stdout carries only echoed messages), the stderr tail is kept for
/// failure messages. Stopped by its own pid: SIGTERM for a graceful stop, SIGKILL otherwise.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int StderrTailLines = 200;

    private readonly Process _process;
    private readonly string _workDir;
    private readonly Lock _lock = new();
    private readonly List<string> _stdout = [];
    private readonly List<long> _stdoutReceivedMs = [];
    private readonly Queue<string> _stderr = new();
    private readonly List<string> _stderrAll = [];
    private bool _stdoutUnread;

    private ServiceProcess(string name, Process process, string workDir, Uri baseUrl)
    {
        Name = name;
        _process = process;
        _workDir = workDir;
        BaseUrl = baseUrl;
    }

    public string Name { get; }

    /// <summary>The HTTP API, e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl { get; }

    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>The process's exit code; only once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    public int StdoutCount
    {
        get
        {
            lock (_lock)
            {
                return _stdout.Count;
            }
        }
    }

    /// <summary>
    /// A copy of the stdout lines so far, in the order the process wrote them. Started with
    /// <c>readStdout: false</c>: none while the process runs; once it has exited, the complete lines
    /// it left in the pipe (a line cut off mid-write is not a printed line).
    /// </summary>
    public IReadOnlyList<string> StdoutLines()
    {
        lock (_lock)
        {
            if (_stdoutUnread && _process.HasExited)
            {
                _stdoutUnread = false;
                var left = _process.StandardOutput.ReadToEnd();
                _stdout.AddRange(left[..(left.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }

            return [.. _stdout];
        }
    }

    /// <summary>The last stderr lines (up to 200), for failure messages.</summary>
    /// <summary>Every stderr line so far.</summary>
    public IReadOnlyList<string> StderrLines()
    {
        lock (_lock)
        {
            return [.. _stderrAll];
        }
    }

    public string StderrTail()
    {
        lock (_lock)
        {
            var exit = _process.HasExited ? $" (exited with {_process.ExitCode})" : "";
            var sb = new StringBuilder().Append("----- ").Append(Name).Append(" pid ").Append(Pid).Append(exit)
                .Append(": last ").Append(_stderr.Count).AppendLine(" stderr lines -----");
            foreach (var line in _stderr)
            {
                sb.AppendLine(line);
            }

            return sb.ToString();
        }
    }

    /// <summary>EchoAtTime.Silo.dll.</summary>
    public static string SiloDll => BuiltDll("Silo", "EchoAtTime.Silo.dll");

    /// <summary>EchoAtTime.Gateway.dll.</summary>
    public static string GatewayDll => BuiltDll("Gateway", "EchoAtTime.Gateway.dll");

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/> --urls http://127.0.0.1:PORT</c> with the given
    /// environment (added to this process's own), in a fresh temp working directory. The content root
    /// is the dll's directory, so the host reads its shipped appsettings.json.
    /// </summary>
    public static ServiceProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        Start(name, dll, environment, readStdout: true, extraArgs);

    /// <summary>
    /// As <see cref="Start(string, string, IReadOnlyDictionary{string, string}, string[])"/>; with
    /// <paramref name="readStdout"/> false the stdout pipe is redirected but never read, so once the
    /// pipe's buffer (64 KB on Linux) is full the process's stdout writes block: a stuck console.
    /// </summary>
    public static ServiceProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, bool readStdout, params string[] extraArgs)
    {
        var port = RedisServer.FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var workDir = Directory.CreateTempSubdirectory($"echo-{name}-").FullName;
        var info = new ProcessStartInfo(ServiceReadiness.DotnetHost)
        {
            WorkingDirectory = workDir,
            UseShellExecute = false,
            RedirectStandardInput = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in (string[])[dll, "--urls", baseUrl.GetLeftPart(UriPartial.Authority), .. extraArgs])
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing inherited may pick another environment, URL or store.
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "Redis__ConnectionString" })
        {
            info.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var service = new ServiceProcess(name, process, workDir, baseUrl);
        process.OutputDataReceived += (_, e) => service.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnStderr(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}: {info.FileName} {string.Join(' ', info.ArgumentList)}");
        }

        service.Pid = process.Id;
        if (readStdout)
        {
            process.BeginOutputReadLine();
        }
        else
        {
            service._stdoutUnread = true;
        }

        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200; fails early if the process exits.</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var ready = new Uri(BaseUrl, "health/ready");
        await RedisServer.WaitUntilAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited before it was ready.\n{StderrTail()}");
            }

            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await http.GetAsync(ready, probe.Token);
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                return false;
            }
        }, timeout, $"{Name} was not ready at {ready}");
    }

    /// <summary>SIGKILL, then wait for the process to be gone.</summary>
    public Task KillAsync() => ProcessSignals.KillAsync(_process);

    /// <summary>SIGTERM (a graceful host shutdown), wait up to <paramref name="timeout"/>, then SIGKILL.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!await ProcessSignals.StopAsync(_process, timeout))
        {
            OnStderr($"[test] {Name} did not exit within {timeout} of SIGTERM; killed it.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// src/{project}/bin/{Configuration}/net10.0/{dll} of this checkout, the Configuration being the
    /// one this test assembly was built in (its own path reads bin/{Configuration}/net10.0/).
    /// </summary>
    private static string BuiltDll(string project, string dll)
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = baseDir.Parent?.Name is "Debug" or "Release" ? baseDir.Parent.Name : "Debug";
        var root = baseDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EchoAtTime.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No EchoAtTime.sln above {AppContext.BaseDirectory}.");
        }

        var path = Path.Combine(root.FullName, "src", project, "bin", configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{dll} is not built (looked at {path}); build the test project, which builds it first.", path);
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            return;
        }

        var receivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            _stdout.Add(line);
            _stdoutReceivedMs.Add(receivedMs);
        }
    }

    /// <summary>
    /// Each stdout line with the time (this machine's clock, epoch ms) the test read it: a line can't
    /// have been printed later than that, so "never early" can be judged without the service's own clock.
    /// </summary>
    public IReadOnlyList<(string Line, long ReceivedMs)> StdoutLinesReceived()
    {
        lock (_lock)
        {
            return _stdout.Zip(_stdoutReceivedMs).ToList();
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _stderrAll.Add(line);
            _stderr.Enqueue(line);
            while (_stderr.Count > StderrTailLines)
            {
                _stderr.Dequeue();
            }
        }
    }
}
