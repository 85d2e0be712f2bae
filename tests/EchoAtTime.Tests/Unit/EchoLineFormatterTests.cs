using System.Text.Json;
using EchoAtTime.Grains.Output;

namespace EchoAtTime.Tests.Unit;

public sealed class EchoLineFormatterTests
{
    private static EchoLine Line(string message, bool redelivered = false) =>
        new(new MessageId(1795428000000, 3), message, 1795428000004, redelivered);

    [Fact]
    public void Text_is_due_time_space_message()
    {
        Assert.Equal("2026-11-23T10:00:00.000Z Hello future!\n", EchoLineFormatter.Text(Line("Hello future!")));
    }

    [Theory]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("\u001b[2J", @"\u001b[2J")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("nul\0", @"nul\u0000")]
    [InlineData("del\u007f", @"del\u007f")]
    [InlineData("c1\u009b", @"c1\u009b")]
    [InlineData("ls\u2028ps\u2029", @"ls\u2028ps\u2029")]
    [InlineData(@"back\slash", @"back\\slash")]
    [InlineData("ok 😀 ü", "ok 😀 ü")]
    public void Text_escapes_anything_that_could_forge_a_line_or_drive_a_terminal(string message, string expected)
    {
        var text = EchoLineFormatter.Text(Line(message));
        Assert.Equal($"2026-11-23T10:00:00.000Z {expected}\n", text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("\u202e", @"\u202e")]
    [InlineData("abc\u202edcba", @"abc\u202edcba")]
    [InlineData("\u200b\u200c\u200d\u200e\u200f", @"\u200b\u200c\u200d\u200e\u200f")]
    [InlineData("\u202a\u202b\u202c\u202d", @"\u202a\u202b\u202c\u202d")]
    [InlineData("\u2060\u2061\u2062\u2063\u2064", @"\u2060\u2061\u2062\u2063\u2064")]
    [InlineData("\u2066\u2067\u2068\u2069", @"\u2066\u2067\u2068\u2069")]
    [InlineData("bom\ufeff", @"bom\ufeff")]
    [InlineData("kept\u2065\u2070\u200a", "kept\u2065\u2070\u200a")]
    public void Text_escapes_the_format_characters_that_reorder_or_hide_text(string message, string expected)
    {
        Assert.Equal($"2026-11-23T10:00:00.000Z {expected}\n", EchoLineFormatter.Text(Line(message)));
    }

    [Fact]
    public void Text_escapes_a_lone_surrogate_instead_of_emitting_invalid_text()
    {
        // Built here: xunit's theory data would turn the lone surrogate into U+FFFD before the test runs.
        var message = "lone" + (char)0xD800 + "x" + (char)0xDC00;
        Assert.Equal(@"2026-11-23T10:00:00.000Z lone\ud800x\udc00" + "\n", EchoLineFormatter.Text(Line(message)));
    }

    [Fact]
    public void Text_flags_a_redelivery_with_the_id()
    {
        Assert.Equal("2026-11-23T10:00:00.000Z hi (redelivered id=1795428000000-3)\n", EchoLineFormatter.Text(Line("hi", redelivered: true)));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("new\nline \"quoted\" \u001b[31m")]
    public void Json_is_one_valid_object_per_line(string message)
    {
        var json = EchoLineFormatter.Json(Line(message, redelivered: true));
        Assert.EndsWith("}\n", json, StringComparison.Ordinal);
        Assert.Single(json.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("1795428000000-3", root.GetProperty("id").GetString());
        Assert.Equal("2026-11-23T10:00:00.000Z", root.GetProperty("dueAt").GetString());
        Assert.Equal("2026-11-23T10:00:00.004Z", root.GetProperty("printedAt").GetString());
        Assert.True(root.GetProperty("redelivered").GetBoolean());
        Assert.Equal(message, root.GetProperty("message").GetString());
    }

    [Fact]
    public void Json_escapes_a_lone_surrogate_as_text_does_so_the_line_stays_valid_utf8()
    {
        var json = EchoLineFormatter.Json(Line("lone" + (char)0xD800 + " surrogate"));
        Assert.Contains(@"""message"":""lone\ud800 surrogate""", json, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.String, doc.RootElement.GetProperty("message").ValueKind);
    }
}
