using System.Globalization;
using System.Text;
using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// Prints batches through the real <see cref="StreamEchoConsole"/> into memory and reads the lines
/// back with the harness's parsers, which follow the console grammar strictly.
/// </summary>
internal sealed class ConsoleReadBack(EchoOutputFormat format) : IDisposable
{
    /// <summary>Throws on bytes that are not UTF-8, where a lenient decoder would hide them as U+FFFD.</summary>
    public static readonly UTF8Encoding StrictUtf8 =
        new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly MemoryStream _stdout = new();
    private StreamEchoConsole? _console;

    public EchoOutputFormat Format => format;

    /// <summary>The lines one batch printed, without line feeds; the console is kept for the next batch.</summary>
    public string[] Print(IReadOnlyList<EchoLine> batch)
    {
        _console ??= new StreamEchoConsole(_stdout, format);
        _stdout.SetLength(0);
        _console.Write(batch);
        var text = StrictUtf8.GetString(_stdout.GetBuffer(), 0, (int)_stdout.Length);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text[..^1].Split('\n');
    }

    /// <summary>The message and redelivery flag a printed line says, or a failure naming the line.</summary>
    public (string Message, bool Redelivered) Read(string line, EchoLine sent)
    {
        if (format == EchoOutputFormat.Text)
        {
            Assert.True(PrintedText.TryParse(line, out var text), $"not a text line of the grammar: {line}");
            Assert.Equal(sent.Id.DueMs, text.DueMs);
            Assert.Equal(sent.Redelivered ? sent.Id.ToString() : null, text.RedeliveredId?.ToString());
            return (text.Message, text.Redelivered);
        }

        Assert.True(PrintedLine.TryParse("test", line, out var json), $"not a json line of the grammar: {line}");
        Assert.Equal(sent.Id.ToString(), json.Id);
        return (json.Message, json.Redelivered);
    }

    /// <summary>Prints a batch on a console of its own; every line must read back as what was sent.</summary>
    public static void AssertRoundTrip(EchoOutputFormat format, IReadOnlyList<EchoLine> batch, string context)
    {
        using var console = new ConsoleReadBack(format);
        console.AssertRoundTrip(batch, context);
    }

    public void AssertRoundTrip(IReadOnlyList<EchoLine> batch, string context)
    {
        var lines = Print(batch);
        Assert.True(batch.Count == lines.Length, $"{context}: {batch.Count} messages printed {lines.Length} lines");
        for (var i = 0; i < batch.Count; i++)
        {
            var (message, redelivered) = Read(lines[i], batch[i]);
            Assert.True(
                batch[i].Message == message,
                $"{context}, message {i}: sent {Dump(batch[i].Message)}, read {Dump(message)} from {lines[i]}");
            Assert.Equal(batch[i].Redelivered, redelivered);
        }
    }

    public void Dispose()
    {
        _console?.Dispose();
        _stdout.Dispose();
    }

    /// <summary>A message as UTF-16 code units, so a failure shows what a terminal would hide.</summary>
    private static string Dump(string message) =>
        string.Join(' ', message.Select(c => ((int)c).ToString("x4", CultureInfo.InvariantCulture)));
}
