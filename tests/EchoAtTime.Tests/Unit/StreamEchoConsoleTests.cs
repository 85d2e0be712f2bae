using System.Text;
using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// The console's bytes are the formatted lines in UTF-8, whatever chunks the batch's text happened
/// to be built in: a <see cref="StringBuilder"/> grows in chunks, and a surrogate pair can straddle two.
/// </summary>
public sealed class StreamEchoConsoleTests
{
    private static EchoLine Line(int seq, string message) =>
        new(new MessageId(1795428000000, seq), message, 1795428000004, false);

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public void A_surrogate_pair_survives_the_console_at_every_position_of_a_batch(EchoOutputFormat format)
    {
        // Chunk boundaries of a fresh builder fall at 16, 32, 64, 128, 256 and 512 characters: shifting
        // the first message's emoji one character at a time puts it across each of them once.
        for (var position = 0; position < 600; position++)
        {
            EchoLine[] batch =
            [
                Line(0, new string('a', position) + "😀"), Line(1, "😀b"), Line(2, new string('c', position % 37) + "😀"),
            ];
            using var stdout = new MemoryStream();
            using var console = new StreamEchoConsole(stdout, format);

            console.Write(batch);

            var expected = batch.Select(l =>
                format == EchoOutputFormat.Text ? EchoLineFormatter.Text(l) : EchoLineFormatter.Json(l));
            Assert.Equal(string.Concat(expected), ConsoleReadBack.StrictUtf8.GetString(stdout.ToArray()));
        }
    }
}
