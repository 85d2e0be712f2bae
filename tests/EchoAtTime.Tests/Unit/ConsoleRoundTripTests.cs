using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// A printed line is the message, exactly: whatever was sent, reading a line back by the console
/// grammar (the harness's strict parsers) gives the very same UTF-16 string and redelivery flag.
/// </summary>
public sealed class ConsoleRoundTripTests
{
    private const long DueMs = 1795428000000;

    private static EchoLine Line(int seq, string message, bool redelivered = false) =>
        new(new MessageId(DueMs + seq, seq, "3f9c07a2"), message, DueMs + seq + 4, redelivered);

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public void Random_messages_in_random_batches_read_back_exactly(EchoOutputFormat format)
    {
        for (var seed = 0; seed < 1500; seed++)
        {
            var rng = new Random(seed);
            var batch = Enumerable.Range(0, rng.Next(1, 20))
                .Select(i => Line(i, RandomUnicode.Message(rng, rng.Next(4) == 0 ? 400 : 40), rng.Next(5) == 0))
                .ToArray();

            // A fresh console per batch: the first batch is the one built across the most chunk boundaries.
            ConsoleReadBack.AssertRoundTrip(format, batch, $"seed {seed}");
        }
    }

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public void Batches_through_one_long_lived_console_read_back_exactly(EchoOutputFormat format)
    {
        using var console = new ConsoleReadBack(format);
        var rng = new Random(20261123);
        for (var batchNumber = 0; batchNumber < 500; batchNumber++)
        {
            // Growing now and then: a batch larger than any before it is built in new chunks again.
            var size = rng.Next(1, batchNumber % 50 == 49 ? 200 : 20);
            var batch = Enumerable.Range(0, size)
                .Select(i => Line(i, RandomUnicode.Message(rng, 60), rng.Next(5) == 0))
                .ToArray();
            console.AssertRoundTrip(batch, $"batch {batchNumber}");
        }
    }

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public void An_emoji_at_every_position_of_every_message_of_a_batch_reads_back_exactly(EchoOutputFormat format)
    {
        const int Messages = 6;
        const int Length = 40;
        var rng = new Random(7);
        var plain = Enumerable.Range(0, Messages)
            .Select(_ => Enumerable.Range(0, Length).Select(_ => (char)rng.Next(0x20, 0x2000)).ToArray())
            .ToArray();
        for (var m = 0; m < Messages; m++)
        {
            for (var position = 0; position < Length; position++)
            {
                var batch = plain.Select((chars, i) =>
                {
                    var text = new string(chars);
                    return Line(i, i == m ? text.Insert(position, "😀") : text, redelivered: i % 2 == 1);
                }).ToArray();
                ConsoleReadBack.AssertRoundTrip(format, batch, $"emoji at {position} of message {m}");
            }
        }
    }
}
