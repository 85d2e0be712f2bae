using EchoAtTime.Grains.Output;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// An <see cref="IEchoSink"/> that keeps every line, in print order, and wakes waiters on each batch.
/// It is also an <see cref="IEchoConsole"/>: behind a <see cref="BoundedEchoSink"/> (one per silo,
/// sharing this capture) it plays a console that blocks (<see cref="HoldNextWrite"/>) or fails
/// (<see cref="FailWrites"/>) the way stdout would, with the production bound around it.
/// </summary>
public sealed class CapturingSink : IEchoSink, IEchoConsole
{
    private readonly Lock _lock = new();
    private readonly List<EchoLine> _lines = [];
    private readonly Dictionary<EchoLine, long> _receivedMs = new(ReferenceEqualityComparer.Instance);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (string Tag, int Times) _failing;
    private (string Tag, TaskCompletionSource Held, Task Release)? _holding;

    /// <summary>
    /// The next batch holding a message tagged <paramref name="tag"/> blocks its printer (as a slow
    /// console would) until <paramref name="release"/> completes; the returned task completes once it blocks.
    /// </summary>
    public Task HoldNextWrite(string tag, Task release)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _holding = (tag, held, release);
        }

        return held.Task;
    }

    /// <summary>
    /// The next <paramref name="times"/> batches holding a message tagged <paramref name="tag"/> fail after writing
    /// half.
    /// </summary>
    public void FailWrites(string tag, int times)
    {
        lock (_lock)
        {
            _failing = (tag, times);
        }
    }

    /// <summary>Writes synchronously, inside the caller's turn, as an unbounded console would.</summary>
    public ValueTask WriteAsync(IReadOnlyList<EchoLine> batch)
    {
        Write(batch);
        return ValueTask.CompletedTask;
    }

    public void Write(IReadOnlyList<EchoLine> batch)
    {
        (string Tag, TaskCompletionSource Held, Task Release)? hold;
        lock (_lock)
        {
            hold = _holding is { } h && batch.Any(l => l.Message.StartsWith(h.Tag, StringComparison.Ordinal)) ? h : null;
            _holding = hold is null ? _holding : null;
        }

        if (hold is { } blocking)
        {
            blocking.Held.SetResult();
            blocking.Release.Wait();
        }

        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_failing.Times > 0 && batch.Any(l => l.Message.StartsWith(_failing.Tag, StringComparison.Ordinal)))
            {
                _failing.Times--;
                _lines.AddRange(batch.Take(batch.Count / 2));
                throw new IOException("Simulated console failure.");
            }

            _lines.AddRange(batch);
            var receivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var line in batch)
            {
                _receivedMs[line] = receivedMs;
            }

            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }

    public IReadOnlyList<EchoLine> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>
    /// When this sink got <paramref name="line"/>, by the machine's clock: "never early" judged by the
    /// receiver, not by the printer's own printedAt.
    /// </summary>
    public long ReceivedMs(EchoLine line)
    {
        lock (_lock)
        {
            return _receivedMs[line];
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the lines printed so far.</summary>
    public async Task<IReadOnlyList<EchoLine>> WaitForAsync(Func<IReadOnlyList<EchoLine>, bool> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            IReadOnlyList<EchoLine> snapshot;
            lock (_lock)
            {
                snapshot = [.. _lines];
                changed = _changed.Task;
            }

            if (condition(snapshot))
            {
                return snapshot;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Condition not met within {timeout}; {snapshot.Count} lines printed.");
            }
        }
    }

    /// <summary>
    /// Lines whose message starts with <paramref name="tag"/>, so concurrent tests don't see each other's output.
    /// </summary>
    public static List<EchoLine> Tagged(IReadOnlyList<EchoLine> lines, string tag) =>
        lines.Where(l => l.Message.StartsWith(tag, StringComparison.Ordinal)).ToList();
}
