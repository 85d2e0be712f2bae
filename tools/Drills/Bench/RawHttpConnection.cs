using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EchoAtTime.Bench;

/// <summary>
/// A minimal HTTP/1.1 keep-alive client for <c>POST /echoAtTime</c>, one request in flight. The
/// request is built once; each send only rewrites the 13 digits of <c>time</c> and the counter digits
/// inside the 32-character message, so the load costs the tool a send and a receive per message and
/// leaves the CPU to the silos (HttpClient costs several times more per request). Of the answer it
/// reads only the status line, <c>Content-Length</c> / chunked framing and the body's <c>"id"</c>.
/// </summary>
public sealed class RawHttpConnection : IDisposable
{
    public const int MessageLength = 32;
    private const int TimeDigits = 13;
    private const int CounterDigits = 10;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();
    private static readonly byte[] IdField = "\"id\":\""u8.ToArray();

    private readonly IPEndPoint _endPoint;
    private readonly byte[] _request;
    private readonly int _timeAt;
    private readonly int _counterAt;
    private byte[] _buffer = new byte[16 * 1024];
    private byte[] _body = new byte[1024];
    private int _start;
    private int _end;
    private int _bodyLength;
    private Socket? _socket;

    /// <param name="endPoint">The silo's HTTP endpoint.</param>
    /// <param name="messagePrefix">Start of every message text (a few characters naming the connection).</param>
    public RawHttpConnection(IPEndPoint endPoint, string messagePrefix)
    {
        if (messagePrefix.Length + CounterDigits > MessageLength)
        {
            throw new ArgumentException($"The prefix leaves no room for the counter in {MessageLength} characters.", nameof(messagePrefix));
        }

        _endPoint = endPoint;
        var message = messagePrefix + new string('0', CounterDigits) + new string('x', MessageLength - messagePrefix.Length - CounterDigits);
        var body = $$"""{"time":{{new string('0', TimeDigits)}},"message":"{{message}}"}""";
        var head = string.Create(CultureInfo.InvariantCulture,
            $"POST /echoAtTime HTTP/1.1\r\nHost: {endPoint}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n");
        _request = Encoding.ASCII.GetBytes(head + body);
        _timeAt = head.Length + """{"time":""".Length;
        _counterAt = _timeAt + TimeDigits + ",\"message\":\"".Length + messagePrefix.Length;
    }

    private RawHttpConnection(IPEndPoint endPoint, byte[] request) => (_endPoint, _request, _timeAt) = (endPoint, request, -1);

    /// <summary>
    /// A connection whose every request is <c>GET</c> of a path no endpoint serves: the silo's HTTP floor (Kestrel,
    /// routing, a 404), on the same kind of connection as the posts. <see cref="PostAsync"/> then sends that.
    /// </summary>
    public static RawHttpConnection ForNotFound(IPEndPoint endPoint) =>
        new(endPoint, Encoding.ASCII.GetBytes($"GET /http-floor HTTP/1.1\r\nHost: {endPoint}\r\n\r\n"));

    /// <summary>
    /// Sends one message due at <paramref name="dueMs"/> with <paramref name="counter"/> in its text and
    /// reads the answer. Throws <see cref="IOException"/> or <see cref="SocketException"/> when the
    /// connection breaks; the next call connects again.
    /// </summary>
    /// <returns>The status code, and the id when the answer is 202 and carries one.</returns>
    public async ValueTask<(int Status, MessageKey? Id)> PostAsync(long dueMs, long counter, CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            await ConnectAsync(cancellationToken);
        }

        if (_timeAt >= 0)
        {
            WriteDigits(_request.AsSpan(_timeAt, TimeDigits), dueMs);
            WriteDigits(_request.AsSpan(_counterAt, CounterDigits), counter);
        }

        for (var sent = 0; sent < _request.Length;)
        {
            sent += await _socket!.SendAsync(_request.AsMemory(sent), SocketFlags.None, cancellationToken);
        }

        return await ReadResponseAsync(cancellationToken);
    }

    /// <summary>Drops the connection (after an error); the next post opens a new one.</summary>
    public void Reset()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    public void Dispose() => Reset();

    private async ValueTask ConnectAsync(CancellationToken cancellationToken)
    {
        Reset();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_endPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
    }

    private async ValueTask<(int Status, MessageKey? Id)> ReadResponseAsync(CancellationToken cancellationToken)
    {
        int headerLength;
        while ((headerLength = Find(HeaderEnd)) < 0)
        {
            await FillAsync(cancellationToken);
        }

        var (status, contentLength, chunked, close) = ParseHead(_buffer.AsSpan(_start, headerLength));
        _start += headerLength + HeaderEnd.Length;
        _bodyLength = 0;
        if (chunked)
        {
            await ReadChunkedBodyAsync(cancellationToken);
        }
        else if (contentLength > 0)
        {
            await EnsureAsync(contentLength, cancellationToken);
            AppendBody(contentLength);
        }

        if (close)
        {
            Reset();
        }

        return (status, status == 202 ? FindId(_body.AsSpan(0, _bodyLength)) : null);
    }

    private async ValueTask ReadChunkedBodyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int lineLength;
            while ((lineLength = Find(LineEnd)) < 0)
            {
                await FillAsync(cancellationToken);
            }

            var size = ChunkSize(_buffer.AsSpan(_start, lineLength));
            _start += lineLength + LineEnd.Length;
            if (size == 0)
            {
                // Trailer lines, if any, end with an empty line.
                while (true)
                {
                    while ((lineLength = Find(LineEnd)) < 0)
                    {
                        await FillAsync(cancellationToken);
                    }

                    _start += lineLength + LineEnd.Length;
                    if (lineLength == 0)
                    {
                        return;
                    }
                }
            }

            await EnsureAsync(size + LineEnd.Length, cancellationToken);
            AppendBody(size);
            _start += LineEnd.Length;
        }
    }

    private static (int Status, int ContentLength, bool Chunked, bool Close) ParseHead(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 202 Accepted"
        if (head.Length < 12 || !head.StartsWith("HTTP/1."u8) || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            throw new IOException("Not an HTTP/1.x answer: " + Encoding.ASCII.GetString(head[..Math.Min(head.Length, 40)]));
        }

        var (contentLength, chunked, close) = (-1, false, false);
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out _))
                {
                    throw new IOException("Unreadable Content-Length.");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                // "chunked" is always the last coding when present (RFC 9112 §6.1).
                chunked = value.Length >= 7 && Ascii.EqualsIgnoreCase(value[^7..], "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                close = Ascii.EqualsIgnoreCase(value, "close"u8);
            }
        }

        return (status, contentLength, chunked, close);
    }

    private static int ChunkSize(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        var digits = (semicolon >= 0 ? line[..semicolon] : line).Trim((byte)' ');
        if (!Utf8Parser.TryParse(digits, out int size, out var consumed, 'x') || consumed != digits.Length || size < 0)
        {
            throw new IOException("Unreadable chunk size.");
        }

        return size;
    }

    private static MessageKey? FindId(ReadOnlySpan<byte> body)
    {
        var at = body.IndexOf(IdField);
        if (at < 0)
        {
            return null;
        }

        var value = body[(at + IdField.Length)..];
        var quote = value.IndexOf((byte)'"');
        return quote > 0 && MessageKey.TryParse(value[..quote], out var key) ? key : null;
    }

    private static void WriteDigits(Span<byte> digits, long value)
    {
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private int Find(ReadOnlySpan<byte> needle) => _buffer.AsSpan(_start, _end - _start).IndexOf(needle);

    private void AppendBody(int length)
    {
        if (_bodyLength + length > _body.Length)
        {
            Array.Resize(ref _body, Math.Max(_body.Length * 2, _bodyLength + length));
        }

        _buffer.AsSpan(_start, length).CopyTo(_body.AsSpan(_bodyLength));
        _bodyLength += length;
        _start += length;
    }

    private async ValueTask EnsureAsync(int length, CancellationToken cancellationToken)
    {
        while (_end - _start < length)
        {
            await FillAsync(cancellationToken);
        }
    }

    /// <summary>Reads more bytes behind what is buffered, making room first (compact, then grow).</summary>
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            var pending = _end - _start;
            if (_start == 0)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            else
            {
                _buffer.AsSpan(_start, pending).CopyTo(_buffer);
                (_start, _end) = (0, pending);
            }
        }

        var read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }

        _end += read;
    }
}
