using System.Text.Json;

namespace EchoAtTime.Tests.Unit;

public sealed class EchoTimeTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Theory]
    [InlineData("\"2026-11-23T10:00:00Z\"", 1795428000000)]
    [InlineData("\"2026-11-23T10:00:00.123Z\"", 1795428000123)]
    [InlineData("\"2026-11-23T12:00:00+02:00\"", 1795428000000)]
    [InlineData("\"2026-11-23T05:30:00-0430\"", 1795428000000)]
    [InlineData("\"2026-11-23T10:00:00\"", 1795428000000)]
    [InlineData("\"2026-11-23 10:00:00Z\"", 1795428000000)]
    [InlineData("\"2026-11-23T10:00Z\"", 1795428000000)]
    [InlineData("1795428000123", 1795428000123)]
    [InlineData("\"1795428000123\"", 1795428000123)]
    [InlineData("0", 0)]
    [InlineData("-1000", -1000)]
    public void Accepted_forms_parse_to_epoch_milliseconds(string json, long expected)
    {
        Assert.True(EchoTime.TryParse(Json(json), out var ms, out var error), error);
        Assert.Equal(expected, ms);
    }

    [Fact]
    public void Sub_millisecond_precision_rounds_up_so_nothing_is_due_early()
    {
        Assert.True(EchoTime.TryParse("2026-11-23T10:00:00.0001Z", out var ms, out _));
        Assert.Equal(1795428000001, ms);
        Assert.True(EchoTime.TryParse("2026-11-23T10:00:00.001000Z", out ms, out _));
        Assert.Equal(1795428000001, ms);
    }

    [Theory]
    [InlineData("\"2024-02-30T10:00:00Z\"")]
    [InlineData("\"2026-13-01T10:00:00Z\"")]
    [InlineData("\"2026-11-23T25:00:00Z\"")]
    [InlineData("\"2026-11-23\"")]
    [InlineData("\"tomorrow\"")]
    [InlineData("\"11/23/2026 10:00\"")]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("\"99999999999999999999999\"")]
    [InlineData("\"253402300800000\"")]
    [InlineData("253402300800000")]
    [InlineData("1.5")]
    [InlineData("1e30")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("\"0x10\"")]
    [InlineData("\"NaN\"")]
    public void Invalid_times_are_rejected_with_a_reason(string json)
    {
        Assert.False(EchoTime.TryParse(Json(json), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData(EchoTime.MinEpochMs)]
    [InlineData(EchoTime.MaxEpochMs)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1_709_164_800_123L)] // 2024-02-29, a leap day
    [InlineData(-30_610_224_000_001L)] // 999-12-31T23:59:59.999Z, a year of three digits
    public void Format_writes_what_the_framework_s_round_trip_pattern_writes_at_the_edges(long epochMs) =>
        Assert.Equal(Reference(epochMs), EchoTime.Format(epochMs));

    [Fact]
    public void Format_writes_what_the_framework_s_round_trip_pattern_writes_over_the_whole_range()
    {
        var random = new Random(20261207);
        for (var i = 0; i < 100_000; i++)
        {
            var epochMs = random.NextInt64(EchoTime.MinEpochMs, EchoTime.MaxEpochMs + 1);
            Assert.Equal(Reference(epochMs), EchoTime.Format(epochMs));
        }
    }

    private static string Reference(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Format_is_utc_with_milliseconds()
    {
        Assert.Equal("2026-11-23T10:00:00.007Z", EchoTime.Format(1795428000007));
    }
}
