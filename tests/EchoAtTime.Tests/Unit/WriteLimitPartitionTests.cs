using System.Net;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Unit;

/// <summary>Which bucket a write draws from, for remote addresses the end-to-end tests cannot be.</summary>
public sealed class WriteLimitPartitionTests
{
    private static string Bucket(ApiOptions options, string address, params (string Name, string Value)[] headers)
    {
        var services = new ServiceCollection()
            .AddSingleton(Options.Create(options))
            .AddSingleton<ApiKeyRing>()
            .BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return WriteLimit.Partition(context).PartitionKey;
    }

    private static ApiOptions Keyed()
    {
        var options = new ApiOptions { ApiKey = "first" };
        options.ApiKeys.Add("second");
        return options;
    }

    [Fact]
    public void A_write_with_a_key_draws_from_that_keys_bucket_wherever_it_comes_from()
    {
        Assert.Equal("key 0", Bucket(Keyed(), "203.0.113.7", ("X-Api-Key", "first")));
        Assert.Equal("key 1", Bucket(Keyed(), "198.51.100.9", ("X-Api-Key", "second")));
        var basic = "Basic " + Convert.ToBase64String("ops:second"u8);
        Assert.Equal("key 1", Bucket(Keyed(), "203.0.113.7", ("Authorization", basic)));
    }

    [Fact]
    public void A_write_without_a_valid_key_draws_from_its_remote_address_bucket()
    {
        Assert.Equal("address 203.0.113.7", Bucket(Keyed(), "203.0.113.7", ("X-Api-Key", "guess")));
        Assert.Equal("address 2001:db8::7", Bucket(new ApiOptions { AllowAnonymous = true }, "2001:db8::7"));
    }

    [Fact]
    public void Loopback_is_not_limited_unless_told_and_a_rate_of_zero_turns_the_limit_off()
    {
        Assert.Equal("unlimited", Bucket(Keyed(), "127.0.0.1", ("X-Api-Key", "first")));
        Assert.Equal("unlimited", Bucket(new ApiOptions(), "::1"));

        var onLoopback = Keyed();
        onLoopback.RateLimit.OnLoopback = true;
        Assert.Equal("key 0", Bucket(onLoopback, "127.0.0.1", ("X-Api-Key", "first")));

        var off = Keyed();
        off.RateLimit.PermitsPerSecond = 0;
        Assert.Equal("unlimited", Bucket(off, "203.0.113.7", ("X-Api-Key", "first")));
    }
}
