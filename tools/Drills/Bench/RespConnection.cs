using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EchoAtTime.Bench;

/// <summary>
/// A minimal Redis (RESP2) connection for the few commands the figures need (INFO, SCAN, MEMORY
/// USAGE). No client library: it keeps the tool free of packages, and the connection sends nothing
/// on its own (a library's handshake, heartbeats and subscriptions would show up in commandstats).
/// Replies come back as <see cref="string"/>, <see cref="long"/>, <c>object?[]</c> or null; an error
/// reply throws <see cref="InvalidDataException"/>.
/// </summary>
public sealed class RespConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RespConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RespConnection> ConnectAsync(int port, CancellationToken cancellationToken = default)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return new RespConnection(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task<object?> CommandAsync(params string[] args)
    {
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
        }

        await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        return await ReadReplyAsync();
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<object?> ReadReplyAsync()
    {
        var line = await ReadLineAsync();
        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                throw new InvalidDataException("Redis answered: " + rest);
            case ':':
                return long.Parse(rest, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(rest, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                while (_end - _start < length + 2)
                {
                    await FillAsync();
                }

                var text = Encoding.UTF8.GetString(_buffer, _start, length);
                _start += length + 2;
                return text;
            case '*':
                var count = int.Parse(rest, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadReplyAsync();
                }

                return items;
            default:
                throw new InvalidDataException($"Not a RESP reply: '{line}'.");
        }
    }

    private async Task<string> ReadLineAsync()
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            await FillAsync();
        }

        var line = Encoding.UTF8.GetString(_buffer, _start, end);
        _start += end + 2;
        return line;
    }

    /// <summary>
    /// Reads more behind what is buffered; a bulk reply larger than the buffer does not occur here (INFO sections are a
    /// few KB).
    /// </summary>
    private async Task FillAsync()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_start, _end) = (0, _end - _start);
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidDataException("A Redis reply larger than the read buffer.");
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end));
        if (read == 0)
        {
            throw new IOException("Redis closed the connection.");
        }

        _end += read;
    }
}
