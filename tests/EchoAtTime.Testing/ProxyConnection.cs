using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EchoAtTime.Testing;

/// <summary>
/// One client connection of a <see cref="RedisFaultProxy"/> and the server connection opened for it.
/// Commands are forwarded one by one so a fault cuts the stream exactly at a command boundary;
/// replies are forwarded one by one so the proxy can take its own probe's answer out of the stream.
/// </summary>
/// <remarks>
/// A fault needs to know that Redis has run the command, not merely received it. So the proxy sends
/// <c>PING &lt;marker&gt;</c> right behind the command on the same server connection: Redis runs one
/// connection's commands in order, so the marker coming back proves the command ran. The probe's
/// answer is swallowed, the client never sees it.
/// </remarks>
internal sealed class ProxyConnection : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    // Far beyond a loopback round trip: hitting it means the command does not answer (a blocking
    // command, or one queued inside MULTI), not a slow machine.
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    private const int InitialBufferSize = 16 * 1024;

    private readonly RedisFaultProxy _proxy;
    private readonly Socket _client;
    private readonly Socket _server = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly IPEndPoint _target;
    private readonly CancellationToken _stopping;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _probeLock = new();
    private (byte[] Marker, TaskCompletionSource Answered)? _probe;
    private volatile bool _muted;
    private int _lostBytes;
    private int _closing;

    public ProxyConnection(RedisFaultProxy proxy, Socket client, IPEndPoint target, CancellationToken stopping)
    {
        _proxy = proxy;
        _client = client;
        _target = target;
        _stopping = stopping;
    }

    /// <summary>Completes once both directions have stopped and both sockets are closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Whether a black hole discarded bytes of this connection: its stream can no longer be trusted.</summary>
    public bool LostBytes => Volatile.Read(ref _lostBytes) == 1;

    public void Start() => Completion = RunAsync();

    /// <summary>
    /// RST to the client (linger 0), as a crashed peer or a middlebox would; the server side is closed.
    /// </summary>
    public void Reset() => Close(abortive: true);

    public void Dispose() => Close(abortive: false);

    private void Close(bool abortive)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        if (abortive)
        {
            try
            {
                _client.LingerState = new LingerOption(true, 0);
            }
            catch (SocketException)
            {
                // The peer is already gone; closing is all that is left to do.
            }
        }

        _client.Dispose();
        _server.Dispose();
        _closed.TrySetResult();
    }

    private async Task RunAsync()
    {
        try
        {
            using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(_stopping))
            {
                connecting.CancelAfter(ConnectTimeout);
                await _server.ConnectAsync(_target, connecting.Token);
            }

            var commands = ForwardCommandsAsync();
            var replies = ForwardRepliesAsync();
            await Task.WhenAny(commands, replies);
            // Either side ending ends the pair, as it would on a direct connection.
            Dispose();
            await Task.WhenAll(commands, replies);
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            // The server could not be reached: the client sees its connection close.
        }
        finally
        {
            Dispose();
            _proxy.Forget(this);
        }
    }

    private async Task ForwardCommandsAsync()
    {
        var buffer = new byte[InitialBufferSize];
        var count = 0;
        var outgoing = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await _client.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, _stopping);
                if (read == 0)
                {
                    return;
                }

                count += read;
                var offset = 0;
                while (RespCommandReader.TryRead(buffer.AsSpan(offset, count - offset), out var command, out var length))
                {
                    var raw = buffer.AsMemory(offset, length);
                    offset += length;
                    var (discard, fault) = _proxy.Observe(command);
                    if (discard)
                    {
                        MarkLost();
                        continue;
                    }

                    outgoing.Write(raw.Span);
                    if (fault is not null && !await InjectAsync(fault, command, outgoing))
                    {
                        return;
                    }
                }

                count = Compact(buffer, offset, count);
                await SendAsync(_server, outgoing);
            }
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
        }
    }

    /// <summary>Sends what is pending up to and including the faulted command, then applies the fault.</summary>
    /// <returns>Whether forwarding goes on: false once the connection is gone.</returns>
    private async Task<bool> InjectAsync(ArmedFault fault, RespCommand command, ArrayBufferWriter<byte> outgoing)
    {
        try
        {
            var answered = AppendProbe(outgoing);
            // Before the command leaves: no byte the server sends from now on may reach the client.
            _muted = _muted || fault is ReplyDrop;
            await SendAsync(_server, outgoing);
            await answered.WaitAsync(ProbeTimeout, _stopping);
            switch (fault)
            {
                case ReplyDrop drop:
                    Reset();
                    drop.Done.TrySetResult(command);
                    return false;
                case TrafficHold hold:
                    var held = new ProxyHold(command);
                    hold.Done.TrySetResult(held);
                    // Later commands wait, unread, in this pump and the socket: queued, not lost.
                    await Task.WhenAny(held.Released, _closed.Task);
                    return true;
                default:
                    throw new UnreachableException($"Unknown fault {fault.GetType().Name}.");
            }
        }
        catch (Exception e) when (IsConnectionEnd(e) || e is TimeoutException)
        {
            // The probe's answer may still come and would reach the client as a stray reply: this
            // stream can no longer be trusted.
            Reset();
            fault.Fail(e);
            return false;
        }
    }

    private Task AppendProbe(ArrayBufferWriter<byte> outgoing)
    {
        var marker = Encoding.ASCII.GetBytes(Guid.NewGuid().ToString("N"));
        outgoing.Write("*2\r\n$4\r\nPING\r\n$32\r\n"u8);
        outgoing.Write(marker);
        outgoing.Write("\r\n"u8);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_probeLock)
        {
            _probe = (marker, answered);
        }

        return answered.Task;
    }

    private async Task ForwardRepliesAsync()
    {
        var buffer = new byte[InitialBufferSize];
        var count = 0;
        var outgoing = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await _server.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, _stopping);
                if (read == 0)
                {
                    return;
                }

                var arrived = Stopwatch.GetTimestamp();
                count += read;
                var offset = 0;
                int length;
                while ((length = RespReplyFramer.FrameLength(buffer.AsSpan(offset, count - offset))) > 0)
                {
                    var reply = buffer.AsSpan(offset, length);
                    offset += length;
                    if (TakeProbeAnswer(reply) || _muted)
                    {
                        continue;
                    }

                    if (_proxy.IsBlackHoled)
                    {
                        MarkLost();
                        continue;
                    }

                    outgoing.Write(reply);
                }

                count = Compact(buffer, offset, count);
                if (outgoing.WrittenCount > 0)
                {
                    await DelayAsync(arrived);
                    await SendAsync(_client, outgoing);
                }
            }
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
        }
        finally
        {
            FailProbe();
        }
    }

    private bool TakeProbeAnswer(ReadOnlySpan<byte> reply)
    {
        TaskCompletionSource? answered = null;
        lock (_probeLock)
        {
            // The marker is a fresh GUID: no other reply contains it.
            if (_probe is { } probe && reply.IndexOf(probe.Marker) >= 0)
            {
                answered = probe.Answered;
                _probe = null;
            }
        }

        answered?.TrySetResult();
        return answered is not null;
    }

    private void FailProbe()
    {
        TaskCompletionSource? answered;
        lock (_probeLock)
        {
            answered = _probe?.Answered;
            _probe = null;
        }

        answered?.TrySetException(new IOException("The server connection ended before Redis answered the probe."));
    }

    private void MarkLost()
    {
        Interlocked.Exchange(ref _lostBytes, 1);
        // The black hole may have ended between reading the flag and discarding, after the proxy's
        // sweep of lost connections: then nobody else resets this one.
        if (!_proxy.IsBlackHoled)
        {
            Reset();
        }
    }

    // Measured from arrival, so a reply is never early even when Task.Delay rounds down.
    private async Task DelayAsync(long arrived)
    {
        TimeSpan remaining;
        while ((remaining = _proxy.ReplyDelay - Stopwatch.GetElapsedTime(arrived)) > TimeSpan.Zero)
        {
            await Task.Delay(remaining, _stopping);
        }
    }

    private async Task SendAsync(Socket socket, ArrayBufferWriter<byte> outgoing)
    {
        var pending = outgoing.WrittenMemory;
        while (!pending.IsEmpty)
        {
            pending = pending[await socket.SendAsync(pending, SocketFlags.None, _stopping)..];
        }

        outgoing.ResetWrittenCount();
    }

    private static int Compact(byte[] buffer, int offset, int count)
    {
        buffer.AsSpan(offset, count - offset).CopyTo(buffer);
        return count - offset;
    }

    // How a socket pump learns that its connection, or the whole proxy, is gone.
    private static bool IsConnectionEnd(Exception e) =>
        e is SocketException or ObjectDisposedException or OperationCanceledException or InvalidDataException or IOException;
}
