using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EchoAtTime.Chaos;

/// <summary>
/// The run's own redis-server (from PATH) on a fixed loopback port and data dir, AOF on. Killed with
/// <c>kill -9</c> and started again on the same port and dir, so it comes back from its append-only file.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dir;
    private readonly string _appendFsync;
    private Process? _process;

    public RedisProcess(int port, string dir, string appendFsync)
    {
        Port = port;
        _dir = dir;
        _appendFsync = appendFsync;
        Directory.CreateDirectory(dir);
    }

    public int Port { get; }

    /// <summary>For the product: <c>abortConnect=false</c> so a process that starts while Redis restarts keeps retrying.</summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},abortConnect=false";

    public int Pid => _process?.Id ?? 0;

    public static string Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("redis-server is not on PATH (apt-get install -y redis-server).");

    /// <summary>Starts redis-server and waits until it answers PING (after replaying its AOF).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = _dir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])
                 [
                     "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no",
                     "--dir", _dir, "--appendonly", "yes", "--appendfsync", _appendFsync, "--save", "",
                     "--logfile", Path.Combine(_dir, "redis.log"),
                 ])
        {
            info.ArgumentList.Add(arg);
        }

        _process?.Dispose();
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        var answered = await Conditions.WaitUntilAsync(
            async token => process.HasExited
                ? throw new InvalidOperationException($"redis-server exited with {process.ExitCode}; see {Path.Combine(_dir, "redis.log")}")
                : await PingAsync(token),
            StartTimeout,
            cancellationToken);
        if (!answered)
        {
            throw new TimeoutException($"redis-server on port {Port} did not answer PING within {StartTimeout}.");
        }
    }

    /// <summary><c>kill -9</c>: whatever it had not yet written to its AOF is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            await ProcessSignals.KillAsync(process);
        }
    }

    /// <summary>SIGTERM (redis-server flushes its AOF and exits), SIGKILL after a grace period.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            await ProcessSignals.StopAsync(process, TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    /// <summary>
    /// A raw RESP PING: the tool needs no Redis client for this, and "+PONG" only comes once the
    /// AOF has been replayed (until then Redis answers "-LOADING").
    /// </summary>
    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false;
        }
    }
}
