using System.Net;
using EchoAtTime.Grains;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// The console contract through a real silo: messages posted over HTTP come out on its stdout as lines
/// that read back, by the grammar of docs/api.md, as exactly the messages that were posted.
/// </summary>
public sealed class PrintedMessageTests
{
    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public async Task Hostile_unicode_posted_over_http_prints_as_lines_that_read_back_as_the_messages(
        EchoOutputFormat format)
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 1, new Dictionary<string, string>
        {
            ["Echo__Output"] = format == EchoOutputFormat.Text ? "text" : "json",
        });
        var tag = $"{Guid.NewGuid():N}";
        string[] hostile =
        [
            "abcdef😀", "hi (redelivered id=1795428000000-3)", "\u202eabc",
            "\u061c\u00ad\u180e\u206a\ufff9\U000E0001\U000E0020", "a\nb\r\u001b[2J\u0085\u2028",
            "\U0001F468\u200d\U0001F469\u200d\U0001F467 ü 漢字 \U0001F3F4\U000E0067\U000E0062\U000E007F",
            "back\\slash \"quoted\" \\u0028",
        ];

        // An emoji at each of the first 40 positions too: one due time makes them one batch.
        var messages = hostile.Concat(Enumerable.Range(0, 40).Select(p => new string('x', p) + "😀"))
            .Select(m => $"{m} {tag}")
            .ToList();
        var due = NowMs + 3_000;
        foreach (var message in messages)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await cluster.PostAsync(cluster.Silo(0), due, message)).Status);
        }

        var silo = cluster.Silo(0);
        await Conditions.WaitForAsync(
            () => Task.FromResult(silo.StdoutLines().Count >= messages.Count),
            TimeSpan.FromSeconds(30),
            "the messages did not print");
        var read = silo.StdoutLines().Select(line => Read(format, line)).ToList();

        Assert.Equal(messages.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
    }

    private static string Read(EchoOutputFormat format, string line)
    {
        if (format == EchoOutputFormat.Text)
        {
            Assert.True(PrintedText.TryParse(line, out var text), $"not a text line of the grammar: {line}");
            Assert.False(text.Redelivered, line);
            return text.Message;
        }

        Assert.True(PrintedLine.TryParse("silo", line, out var json), $"not a json line of the grammar: {line}");
        Assert.False(json.Redelivered, line);
        return json.Message;
    }
}
