using System.Buffers;
using System.Text;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// The console format on a byte stream (stdout): one line per message, the batch built in one reused
/// builder, encoded into one reused buffer and written and flushed with one call, so a batch costs no
/// allocation per line.
/// </summary>
public sealed class StreamEchoConsole(Stream stream, EchoOutputFormat format) : IEchoConsole, IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly StringBuilder _text = new();

    /// <summary>
    /// One encoder for the whole batch: the builder's chunks split the text anywhere, a surrogate pair
    /// included, and only an encoder that carries the high half over to the next chunk keeps the pair.
    /// </summary>
    private readonly Encoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();

    public void Write(IReadOnlyList<EchoLine> batch)
    {
        _text.Clear();
        foreach (var line in batch)
        {
            if (format == EchoOutputFormat.Json)
            {
                EchoLineFormatter.AppendJson(_text, line);
            }
            else
            {
                EchoLineFormatter.AppendText(_text, line);
            }
        }

        _buffer.ResetWrittenCount();
        _utf8.Reset();
        foreach (var chunk in _text.GetChunks())
        {
            Encode(chunk.Span, flush: false);
        }

        Encode([], flush: true);
        stream.Write(_buffer.WrittenSpan);
        stream.Flush();
    }

    public void Dispose() => stream.Dispose();

    private void Encode(ReadOnlySpan<char> chars, bool flush)
    {
        var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _buffer.Advance(_utf8.GetBytes(chars, span, flush));
    }
}
