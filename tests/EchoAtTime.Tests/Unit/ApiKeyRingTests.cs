using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Unit;

public sealed class ApiKeyRingTests
{
    private static ApiKeyRing Ring(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create<string, string?>(s.Key, s.Value)))
            .Build();
        var options = new ApiOptions();
        config.GetSection(ApiOptions.Section).Bind(options);
        return new ApiKeyRing(Options.Create(options));
    }

    [Fact]
    public void Echo_ApiKey_alone_still_works()
    {
        var ring = Ring(("Echo:ApiKey", "Old-Key"));

        Assert.Equal(1, ring.Count);
        Assert.Equal(0, ring.Match("Old-Key"));
        Assert.Equal(-1, ring.Match("old-key"));
        Assert.Equal(-1, ring.Match(""));
    }

    [Fact]
    public void Every_key_of_Echo_ApiKeys_is_accepted_beside_Echo_ApiKey_so_a_key_rotates_without_downtime()
    {
        var ring = Ring(("Echo:ApiKey", "current"), ("Echo:ApiKeys:0", "next"), ("Echo:ApiKeys:1", "older"));

        Assert.Equal(3, ring.Count);
        Assert.Equal(0, ring.Match("current"));
        Assert.Equal(1, ring.Match("next"));
        Assert.Equal(2, ring.Match("older"));
        Assert.Equal(-1, ring.Match("nex"));
        Assert.Equal(-1, ring.Match("nextt"));
    }

    [Fact]
    public void Empty_entries_and_repeats_are_no_keys()
    {
        var ring = Ring(
            ("Echo:ApiKey", ""), ("Echo:ApiKeys:0", "only"), ("Echo:ApiKeys:1", ""), ("Echo:ApiKeys:2", "only"));

        Assert.Equal(1, ring.Count);
        Assert.Equal(-1, ring.Match(""));
        Assert.True(Ring().IsEmpty);
    }
}
