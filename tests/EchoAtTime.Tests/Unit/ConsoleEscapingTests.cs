using System.Globalization;
using System.Text;
using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// Which runes a console line escapes, and how: every rune of categories Cc, Cf, Zl, Zp, the tag
/// block and lone surrogates as <c>\uxxxx</c>, the same in both formats; everything else raw. And the
/// redelivery marker in text lines, which no message can forge.
/// </summary>
public sealed class ConsoleEscapingTests
{
    private const string Stamp = "2026-11-23T10:00:00.000Z";

    private static EchoLine Line(string message, bool redelivered = false) =>
        new(new MessageId(1795428000000, 3), message, 1795428000004, redelivered);

    private static string JsonLine(string escapedMessage) =>
        $"{{\"id\":\"1795428000000-3\",\"dueAt\":\"{Stamp}\",\"printedAt\":\"2026-11-23T10:00:00.004Z\","
        + $"\"message\":\"{escapedMessage}\",\"redelivered\":false}}";

    /// <summary>Code points found printed raw by one format or the other.</summary>
    public static TheoryData<int> OnceMissed()
    {
        var data = new TheoryData<int>
        {
            0x061c, 0x00ad, 0x180e, 0xfff9, 0xfffa, 0xfffb, 0xe0001, 0x202e, 0x200f, 0x2066, 0xfeff, 0x2028,
        };
        foreach (var range in new[] { (0x206a, 0x206f), (0xe0020, 0xe007f) })
        {
            for (var cp = range.Item1; cp <= range.Item2; cp++)
            {
                data.Add(cp);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OnceMissed))]
    public void Each_code_point_once_printed_raw_is_escaped_the_same_way_in_both_formats(int codePoint)
    {
        var message = $"a{char.ConvertFromUtf32(codePoint)}b";
        var escaped = $"a{Escape(codePoint)}b";

        Assert.Equal($"{Stamp} {escaped}", Single(EchoOutputFormat.Text, Line(message)));
        Assert.Equal(JsonLine(escaped), Single(EchoOutputFormat.Json, Line(message)));
        ConsoleReadBack.AssertRoundTrip(EchoOutputFormat.Text, [Line(message)], $"U+{codePoint:X4}");
        ConsoleReadBack.AssertRoundTrip(EchoOutputFormat.Json, [Line(message)], $"U+{codePoint:X4}");
    }

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public void A_lone_surrogate_is_escaped_and_reads_back(EchoOutputFormat format)
    {
        // Built here: xunit's theory data would turn a lone surrogate into U+FFFD before the test runs.
        var message = "lone" + (char)0xd800 + "x" + (char)0xdc00 + "😀" + (char)0xdbff;
        var line = Single(format, Line(message));

        Assert.Contains(@"lone\ud800x\udc00😀\udbff", line, StringComparison.Ordinal);
        ConsoleReadBack.AssertRoundTrip(format, [Line(message)], "lone surrogates");
    }

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public void Every_rune_prints_raw_unless_it_is_a_control_format_separator_or_tag_character(EchoOutputFormat format)
    {
        // Every scalar value, 1024 to a message; what a line holds for each is stated here, apart from the product.
        var runes = Enumerable.Range(0, 0x110000).Where(Rune.IsValid).ToArray();
        for (var start = 0; start < runes.Length; start += 1024)
        {
            var chunk = runes.AsSpan(start, Math.Min(1024, runes.Length - start)).ToArray();
            var message = string.Concat(chunk.Select(char.ConvertFromUtf32));
            var expected = string.Concat(chunk.Select(cp => Expected(cp, format)));
            var line = Single(format, Line(message));

            Assert.Equal(format == EchoOutputFormat.Text ? $"{Stamp} {expected}" : JsonLine(expected), line);
        }
    }

    [Fact]
    public void A_message_ending_like_a_redelivery_marker_is_not_read_as_one()
    {
        const string Forged = "hi (redelivered id=1795428000000-3)";
        var forged = Single(EchoOutputFormat.Text, Line(Forged));
        var genuine = Single(EchoOutputFormat.Text, Line("hi", redelivered: true));

        Assert.NotEqual(genuine, forged);
        Assert.Equal($"{Stamp} hi \\u0028redelivered id=1795428000000-3)", forged);
        Assert.True(PrintedText.TryParse(forged, out var read));
        Assert.False(read.Redelivered);
        Assert.Equal(Forged, read.Message);
    }

    [Theory]
    [InlineData("(redelivered id=1795428000000-3)")]
    [InlineData("hi (redelivered id=1795428000000-3)")]
    [InlineData("x (redelivered id=1795428000000-3) (redelivered id=1795428000000-3)")]
    [InlineData("(redelivered")]
    [InlineData("\\u0028redelivered")]
    public void A_message_holding_the_marker_word_reads_back_with_the_genuine_marker_after_it(string message)
    {
        foreach (var redelivered in new[] { false, true })
        {
            var context = $"redelivered: {redelivered}";
            ConsoleReadBack.AssertRoundTrip(EchoOutputFormat.Text, [Line(message, redelivered)], context);
        }
    }

    [Fact]
    public void The_genuine_redelivery_marker_is_read_with_its_id()
    {
        var line = Single(EchoOutputFormat.Text, Line("hi ", redelivered: true));

        Assert.Equal($"{Stamp} hi  (redelivered id=1795428000000-3)", line);
        Assert.True(PrintedText.TryParse(line, out var read));
        Assert.Equal("1795428000000-3", read.RedeliveredId?.ToString());
        Assert.Equal("hi ", read.Message);
    }

    private static string Single(EchoOutputFormat format, EchoLine line)
    {
        using var console = new ConsoleReadBack(format);
        return Assert.Single(console.Print([line]));
    }

    /// <summary>The grammar for one rune, as docs/api.md states it.</summary>
    private static string Expected(int codePoint, EchoOutputFormat format) => codePoint switch
    {
        '\\' => @"\\",
        '\n' => @"\n",
        '\r' => @"\r",
        '\t' => @"\t",
        '"' when format == EchoOutputFormat.Json => "\\\"",
        _ when codePoint is >= 0xe0000 and <= 0xe007f
            || CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => Escape(codePoint),
        _ => char.ConvertFromUtf32(codePoint),
    };

    private static string Escape(int codePoint) =>
        string.Concat(char.ConvertFromUtf32(codePoint).Select(c => $@"\u{(int)c:x4}"));
}
