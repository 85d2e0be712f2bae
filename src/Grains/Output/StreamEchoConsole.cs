using System.Buffers;
using System.Text;
using System.Text.Json;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// The console format on a byte stream (stdout): one line per message, the batch encoded into one
/// reused buffer and written and flushed with one call, so a batch costs no allocation per line.
/// </summary>
public sealed class StreamEchoConsole(Stream stream, EchoOutputFormat format) : IEchoConsole, IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly StringBuilder _text = new();

    public void Write(IReadOnlyList<EchoLine> batch)
    {
        _buffer.ResetWrittenCount();
        if (format == EchoOutputFormat.Json)
        {
            using var writer = new Utf8JsonWriter(_buffer, EchoLineFormatter.WriterOptions);
            foreach (var line in batch)
            {
                EchoLineFormatter.AppendJson(writer, line);
                writer.Flush();
                writer.Reset();
                _buffer.Write("\n"u8);
            }
        }
        else
        {
            _text.Clear();
            foreach (var line in batch)
            {
                EchoLineFormatter.AppendText(_text, line);
            }

            foreach (var chunk in _text.GetChunks())
            {
                var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
                _buffer.Advance(Encoding.UTF8.GetBytes(chunk.Span, span));
            }
        }

        stream.Write(_buffer.WrittenSpan);
        stream.Flush();
    }

    public void Dispose() => stream.Dispose();
}
