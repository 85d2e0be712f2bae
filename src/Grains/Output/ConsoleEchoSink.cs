using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// Writes echoed messages to stdout, one line each, buffered and flushed once per batch.
/// stdout carries nothing else: every log goes to stderr.
/// </summary>
public sealed class ConsoleEchoSink(IOptions<EchoOptions> options) : IEchoSink, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly StringBuilder _text = new();
    private readonly EchoOutputFormat _format = options.Value.Output;

    public void Write(IReadOnlyList<EchoLine> batch)
    {
        lock (_lock)
        {
            _buffer.ResetWrittenCount();
            if (_format == EchoOutputFormat.Json)
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

            _stdout.Write(_buffer.WrittenSpan);
            _stdout.Flush();
        }
    }

    public void Dispose() => _stdout.Dispose();
}
