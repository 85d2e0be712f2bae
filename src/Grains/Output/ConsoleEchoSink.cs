using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// Echoed messages on stdout, one line each, one flushed write per batch. The write runs on a
/// dedicated thread and the grain awaits it, bounded by <see cref="EchoOptions.ConsoleTimeout"/>
/// (<see cref="BoundedEchoSink"/>): a blocked stdout makes this silo give its slots up instead of
/// stalling the cluster. stdout carries nothing else: every log goes to stderr.
/// </summary>
public sealed class ConsoleEchoSink(IOptions<EchoOptions> options, ConsoleHealth health) : IEchoSink, IDisposable
{
    private readonly BoundedEchoSink _writer = new(
        new StreamEchoConsole(OpenStdout(), options.Value.Output), health, options.Value.ConsoleTimeout, "echo-stdout");

    public ValueTask WriteAsync(IReadOnlyList<EchoLine> batch) => _writer.WriteAsync(batch);

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// File descriptor 1 as a plain unbuffered stream. Not <see cref="Console.OpenStandardOutput()"/>:
    /// on Unix every console stream write (stderr's too) takes one process-wide lock, so a write
    /// blocked on a full stdout pipe would also block every log line on stderr, including the one
    /// saying why the silo leaves. (A non-blocking fd 1 would make a full pipe fail the write instead;
    /// that gives the console up the same way.)
    /// </summary>
    private static Stream OpenStdout() =>
        OperatingSystem.IsWindows()
            ? Console.OpenStandardOutput()
            : new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
}
