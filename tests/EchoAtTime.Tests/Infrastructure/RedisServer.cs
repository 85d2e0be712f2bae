using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// A private redis-server for tests: its own free loopback port and temp dir, AOF on
/// (appendfsync always), stopped and restarted by its own pid. Where no redis-server is on PATH the
/// tests fail with a clear message (CI installs it; nothing is skipped).
/// </summary>
public sealed class RedisServer(string? password = null) : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("echo-redis-").FullName;
    private Process? _process;

    public int Port { get; } = FreePort();

    public string? Password => password;

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false" + (password is null ? "" : $",password={password}");

    public static string Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "redis-server is not on PATH. Install it (apt-get install -y redis-server); .ci/run does.");

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--dir", _dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                     "--protected-mode", "no",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        if (password is not null)
        {
            info.ArgumentList.Add("--requirepass");
            info.ArgumentList.Add(password);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilAsync(async () =>
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=200");
                await probe.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisConnectionException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "redis-server did not start");
    }

    /// <summary>SIGKILL, then wait for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{what} within {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    // Ports are picked before the processes bind them: never hand the same one out twice in a run.
    private static readonly HashSet<int> HandedOut = [];

    public static int FreePort()
    {
        while (true)
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
