using System.Diagnostics;
using System.Globalization;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// Bounds a console that can block. Batches go to one dedicated background thread that writes them
/// in order; the grain awaits its batch instead of writing inside its turn. A watchdog gives the
/// console up once one write has taken longer than the timeout, or when a write fails: the waiting
/// batch and every queued one fault with <see cref="ConsoleStalledException"/>, every later write
/// faults at once, and <see cref="ConsoleHealth"/> reports it so the silo leaves the cluster.
/// The thread is a background thread that nothing joins: a process stopping while stdout is blocked
/// still exits.
/// </summary>
/// <remarks>
/// The batch the writer is stuck in may still reach the console later (the pipe is read after all),
/// unflagged, while the slot's next owner prints that same batch again flagged "redelivered" (the
/// batch was declared in Redis and never confirmed). That is the one repeat a crash may cause, and
/// it is flagged; nothing queued behind it is ever written, because the writer checks the failure
/// before taking the next batch.
/// </remarks>
public sealed class BoundedEchoSink : IEchoSink, IDisposable
{
    private readonly IEchoConsole _console;
    private readonly ConsoleHealth _health;
    private readonly TimeSpan _timeout;
    private readonly Lock _lock = new();
    private readonly Queue<Request> _queue = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Timer _watchdog;
    private Request? _writing;
    private long _writingSince;
    private string? _problem;
    private Exception? _cause;
    private bool _disposed;

    public BoundedEchoSink(IEchoConsole console, ConsoleHealth health, TimeSpan timeout, string threadName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _console = console;
        _health = health;
        _timeout = timeout;

        // A quarter of the bound: a stall is seen within 1.25 timeouts, and an idle check costs nothing.
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _watchdog = new Timer(static state => ((BoundedEchoSink)state!).CheckStall(), this, period, period);
        new Thread(Run) { IsBackground = true, Name = threadName }.Start();
    }

    public ValueTask WriteAsync(IReadOnlyList<EchoLine> batch)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_problem is not null)
            {
                return ValueTask.FromException(Failure());
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(new Request(batch, done));
        }

        _queued.Release();
        return new ValueTask(done.Task);
    }

    /// <summary>Stops the writer once the queue is empty; never waits for it (it may be stuck in a write).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _watchdog.Dispose();
        _queued.Release();
    }

    private void Run()
    {
        while (true)
        {
            _queued.Wait();
            Request request;
            lock (_lock)
            {
                if (_problem is not null)
                {
                    return;
                }

                if (!_queue.TryDequeue(out request))
                {
                    if (_disposed)
                    {
                        break;
                    }

                    continue;
                }

                _writing = request;
                _writingSince = Stopwatch.GetTimestamp();
            }

            Exception? error = null;
            try
            {
                _console.Write(request.Batch);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            lock (_lock)
            {
                if (error is not null && _problem is null)
                {
                    // A console that fails (stdout closed: EPIPE) fails again: retrying here would hold
                    // every later minute just like a stall, so it is given up the same way.
                    FailLocked($"the console failed to write a batch of {request.Batch.Count} lines: {error.Message}", error);
                }

                _writing = null;
                if (_problem is not null)
                {
                    // Given up (by the watchdog while this write was blocked, or just above): the
                    // waiters are faulted, and nothing more is written.
                    return;
                }
            }

            request.Done.TrySetResult();
        }

        (_console as IDisposable)?.Dispose();
    }

    private void CheckStall()
    {
        lock (_lock)
        {
            if (_problem is not null || _writing is not { } request)
            {
                return;
            }

            var waited = Stopwatch.GetElapsedTime(_writingSince);
            if (waited >= _timeout)
            {
                FailLocked(string.Create(CultureInfo.InvariantCulture, $"the console has not accepted a batch of {request.Batch.Count} lines for {waited.TotalSeconds:0.0} s (bound: Echo:ConsoleTimeout = {_timeout.TotalSeconds:0.###} s)"), null);
            }
        }
    }

    /// <summary>
    /// Under the lock: gives the console up for good, faults the batch being written and every queued one.
    /// </summary>
    private void FailLocked(string problem, Exception? cause)
    {
        _problem = problem;
        _cause = cause;
        _writing?.Done.TrySetException(Failure());
        while (_queue.TryDequeue(out var queued))
        {
            queued.Done.TrySetException(Failure());
        }

        _health.ReportFailure(problem);
    }

    private ConsoleStalledException Failure() => new($"Console given up: {_problem}", _cause);

    private readonly record struct Request(IReadOnlyList<EchoLine> Batch, TaskCompletionSource Done);
}
