using System.Net;
using System.Net.Sockets;

namespace EchoAtTime.Testing;

/// <summary>
/// A loopback TCP proxy in front of a real redis-server that injects the faults a network and a
/// crashing peer produce (a reply lost after the command ran, a stall, a black hole, a reset) at a
/// chosen command rather than at a chosen time, so tests of what a client does about them are
/// deterministic. Each client connection gets its own server connection; client commands are
/// decoded (<see cref="Seen"/>) so faults can target them, replies pass through as they are.
/// </summary>
public sealed class RedisFaultProxy : IAsyncDisposable
{
    // A safety net for a stuck connection task; stopping normally takes milliseconds.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly IPEndPoint _target;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<ProxyConnection> _connections = [];
    private readonly List<ArmedFault> _armed = [];
    // Long chaos runs pass millions of commands: keep only the most recent ones for assertions.
    private const int SeenLimit = 10_000;

    private readonly Queue<RespCommand> _seen = new();
    private Task _accepting = Task.CompletedTask;
    private long _replyDelayTicks;
    private int _blackHole;
    private bool _disposed;

    /// <param name="targetPort">The redis-server's port on 127.0.0.1.</param>
    public RedisFaultProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        // Bound here, not at start: the port is ours, and known, before any client is configured with it.
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis connection string through the proxy; append timeouts as a test needs.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>The last 10 000 commands clients sent, handshakes included, in the order the proxy read them.</summary>
    public IReadOnlyList<RespCommand> Seen
    {
        get
        {
            lock (_lock)
            {
                return [.. _seen];
            }
        }
    }

    internal bool IsBlackHoled => Volatile.Read(ref _blackHole) == 1;

    internal TimeSpan ReplyDelay => TimeSpan.FromTicks(Interlocked.Read(ref _replyDelayTicks));

    public Task StartAsync()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _listener.Listen();
            _accepting = AcceptAsync();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// "Redis ran it, the reply was lost": the next command matching <paramref name="match"/> (on any
    /// connection) is forwarded and runs, and the client connection it came on is reset before any reply
    /// to it reaches the client. One-shot.
    /// </summary>
    /// <returns>
    /// The matched command, once the connection was reset. Guarantee at that point: Redis has run the
    /// command (the proxy sent a <c>PING</c> probe behind it on the same server connection and saw its
    /// answer; Redis runs one connection's commands in order); no byte the server sent after the command
    /// was forwarded reached the client; the client connection was reset (RST) and the server connection
    /// closed. Commands the client pipelined behind it on that connection are not forwarded, so they do
    /// not run through it (the client sees them fail and may retry them). Replies to earlier commands
    /// still in flight are lost too: those ran, but fail on the client. A command that does not answer
    /// (blocking, or queued inside MULTI) faults the task with <see cref="TimeoutException"/> after 10 s,
    /// the connection reset all the same.
    /// </returns>
    public Task<RespCommand> DropReplyToNext(Func<RespCommand, bool> match)
    {
        var fault = new ReplyDrop(match);
        Arm(fault);
        return fault.Done.Task;
    }

    /// <summary>
    /// Puts something "between" two commands the client pipelined: after the next command matching
    /// <paramref name="match"/> has run, later client→server traffic of that connection waits (queued,
    /// in order) until <see cref="ProxyHold.Release"/>. Replies keep flowing. One-shot.
    /// </summary>
    /// <returns>
    /// The hold, once it began: Redis has run the matched command (the same probe as
    /// <see cref="DropReplyToNext"/> proves it) and nothing after it on that connection has been forwarded.
    /// </returns>
    public Task<ProxyHold> HoldAfterNext(Func<RespCommand, bool> match)
    {
        var fault = new TrafficHold(match);
        Arm(fault);
        return fault.Done.Task;
    }

    /// <summary>
    /// A slow link: every reply is forwarded no sooner than <paramref name="delay"/> after the server sent
    /// it (replies arriving during one delay may be delayed again). <see cref="TimeSpan.Zero"/> stops it.
    /// </summary>
    public void DelayReplies(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Interlocked.Exchange(ref _replyDelayTicks, delay.Ticks);
    }

    /// <summary>
    /// A partition that keeps connections open: while on, bytes in both directions are read and
    /// discarded, and new connections are accepted but get nowhere. Turning it off resets every
    /// connection that lost bytes: TCP never loses bytes silently, so a real link heals losslessly or
    /// breaks; going on after a loss would pair the client's commands with the wrong replies.
    /// </summary>
    public void BlackHole(bool on)
    {
        Interlocked.Exchange(ref _blackHole, on ? 1 : 0);
        if (!on)
        {
            foreach (var connection in Open().Where(c => c.LostBytes))
            {
                connection.Reset();
            }
        }
    }

    /// <summary>Resets (RST) every open client connection now, as a crashed server or a middlebox would.</summary>
    public void ResetAll()
    {
        foreach (var connection in Open())
        {
            connection.Reset();
        }
    }

    public async ValueTask DisposeAsync()
    {
        ArmedFault[] unmatched;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            unmatched = [.. _armed];
            _armed.Clear();
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _accepting;
        foreach (var fault in unmatched)
        {
            fault.Fail(new ObjectDisposedException(nameof(RedisFaultProxy), "The proxy stopped before a command matched."));
        }

        var open = Open();
        foreach (var connection in open)
        {
            connection.Reset();
        }

        await Task.WhenAll(open.Select(c => c.Completion)).WaitAsync(StopTimeout);
        _stopping.Dispose();
    }

    /// <summary>
    /// Records a command and decides its fate: discarded (black hole), faulted (first matching armed fault), or
    /// forwarded.
    /// </summary>
    internal (bool Discard, ArmedFault? Fault) Observe(RespCommand command)
    {
        lock (_lock)
        {
            if (_seen.Count == SeenLimit)
            {
                _seen.Dequeue();
            }

            _seen.Enqueue(command);
            if (IsBlackHoled)
            {
                return (true, null);
            }

            for (var i = 0; i < _armed.Count; i++)
            {
                var fault = _armed[i];
                bool matches;
                try
                {
                    matches = fault.Matches(command);
                }
#pragma warning disable CA1031 // A test's predicate that throws fails that test's fault, not the connection everyone shares.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    _armed.RemoveAt(i--);
                    fault.Fail(e);
                    continue;
                }

                if (matches)
                {
                    _armed.RemoveAt(i);
                    return (false, fault);
                }
            }

            return (false, null);
        }
    }

    internal void Forget(ProxyConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
    }

    private void Arm(ArmedFault fault)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _armed.Add(fault);
        }
    }

    private ProxyConnection[] Open()
    {
        lock (_lock)
        {
            return [.. _connections];
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stopping.Token);
                client.NoDelay = true;
                var connection = new ProxyConnection(this, client, _target, _stopping.Token);
                lock (_lock)
                {
                    _connections.Add(connection);
                }

                connection.Start();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping: the listener is closed.
        }
    }
}

/// <summary>
/// Client→server traffic held back behind a command; see <see cref="RedisFaultProxy.HoldAfterNext"/>.
/// </summary>
public sealed class ProxyHold
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ProxyHold(RespCommand after) => After = after;

    /// <summary>The command that ran before the hold began.</summary>
    public RespCommand After { get; }

    internal Task Released => _released.Task;

    /// <summary>
    /// Forwards what was held, in order. Idempotent; closing the connection or the proxy releases too.
    /// </summary>
    public void Release() => _released.TrySetResult();
}

/// <summary>A one-shot fault waiting for the command it is meant for.</summary>
internal abstract class ArmedFault(Func<RespCommand, bool> match)
{
    private readonly Func<RespCommand, bool> _match = match ?? throw new ArgumentNullException(nameof(match));

    public bool Matches(RespCommand command) => _match(command);

    /// <summary>Ends the test's wait with why the fault could not be applied.</summary>
    public abstract void Fail(Exception error);
}

internal sealed class ReplyDrop(Func<RespCommand, bool> match) : ArmedFault(match)
{
    public TaskCompletionSource<RespCommand> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Fail(Exception error) => Done.TrySetException(error);
}

internal sealed class TrafficHold(Func<RespCommand, bool> match) : ArmedFault(match)
{
    public TaskCompletionSource<ProxyHold> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Fail(Exception error) => Done.TrySetException(error);
}
