using System.Diagnostics;
using System.Text;

namespace EchoAtTime.Testing;

/// <summary>
/// What one <see cref="ServiceProcess"/> wrote: its stdout lines with the time each was read, its
/// stderr lines, and their log files — or, with stdout to a file, the files themselves.
/// </summary>
internal sealed class ServiceOutput : IDisposable
{
    private readonly ServiceLaunch _launch;
    private readonly Lock _lock = new();
    private readonly List<string> _stdout = [];
    private readonly List<long> _stdoutReceivedMs = [];
    private readonly List<string> _stderr = [];
    private readonly StreamWriter? _stdoutLog;
    private readonly StreamWriter? _stderrLog;
    private bool _stdoutUnread;

    public ServiceOutput(ServiceLaunch launch)
    {
        _launch = launch;
        _stdoutUnread = launch.Stdout == StdoutHandling.Unread;
        if (launch.LogPrefix is { } prefix && launch.Stdout != StdoutHandling.File)
        {
            _stdoutLog = new StreamWriter(prefix + ".stdout", append: false, Encoding.UTF8);
            _stderrLog = new StreamWriter(prefix + ".stderr", append: false, Encoding.UTF8);
        }
    }

    public string? StdoutPath => _launch.LogPrefix is { } prefix ? prefix + ".stdout" : null;

    public string? StderrPath => _launch.LogPrefix is { } prefix ? prefix + ".stderr" : null;

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

    public void OnStdout(string line)
    {
        var receivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            _stdout.Add(line);
            _stdoutReceivedMs.Add(receivedMs);
            _stdoutLog?.WriteLine(line);
        }

        _launch.OnStdout?.Invoke(_launch.Name, line);
    }

    public void OnStderr(string line)
    {
        lock (_lock)
        {
            _stderr.Add(line);
            _stderrLog?.WriteLine(line);
        }
    }

    /// <summary>
    /// See <see cref="ServiceProcess.StdoutLinesReceived"/>; <paramref name="process"/> is read once it has exited when
    /// its stdout was left unread.
    /// </summary>
    public IReadOnlyList<(string Line, long ReceivedMs)> StdoutLinesReceived(Process process)
    {
        if (_launch.Stdout == StdoutHandling.File)
        {
            var read = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return [.. CompleteLines(ReadShared(StdoutPath!)).Select(l => (l, read))];
        }

        lock (_lock)
        {
            if (_stdoutUnread && process.HasExited)
            {
                _stdoutUnread = false;
                var read = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                foreach (var line in CompleteLines(process.StandardOutput.ReadToEnd()))
                {
                    _stdout.Add(line);
                    _stdoutReceivedMs.Add(read);
                }
            }

            return [.. _stdout.Zip(_stdoutReceivedMs)];
        }
    }

    public IReadOnlyList<string> StderrLines()
    {
        if (_launch.Stdout == StdoutHandling.File)
        {
            return [.. ReadShared(StderrPath!).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        }

        lock (_lock)
        {
            return [.. _stderr];
        }
    }

    public void Flush()
    {
        lock (_lock)
        {
            _stdoutLog?.Flush();
            _stderrLog?.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stdoutLog?.Dispose();
            _stderrLog?.Dispose();
        }
    }

    /// <summary>A line cut off mid-write (the process was killed) is not a printed line.</summary>
    private static string[] CompleteLines(string text) =>
        text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string ReadShared(string path)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
