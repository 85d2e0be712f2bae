using System.Net;
using System.Net.Sockets;
using EchoAtTime.Silo;

namespace EchoAtTime.Tests.Unit;

public sealed class AdvertisedAddressTests
{
    private static readonly IPAddress[] Host = [IPAddress.Parse("169.254.1.1"), IPAddress.IPv6Loopback, IPAddress.Parse("172.18.0.5"), IPAddress.Parse("10.0.0.9")];

    private static IPAddress Resolve(string? setting) =>
        AdvertisedAddress.Resolve(setting, name => name == "silo-1" ? [IPAddress.Parse("::1"), IPAddress.Parse("172.18.0.7")] : throw new SocketException(11001), () => Host);

    [Theory]
    [InlineData(null, "127.0.0.1")]
    [InlineData("", "127.0.0.1")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("auto", "172.18.0.5")]
    [InlineData("AUTO", "172.18.0.5")]
    [InlineData("silo-1", "172.18.0.7")]
    public void The_setting_resolves_to_the_address_the_silo_advertises(string? setting, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), Resolve(setting));
    }

    [Fact]
    public void An_unknown_host_name_fails_with_a_message_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Resolve("no-such-host"));
        Assert.Contains(AdvertisedAddress.Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_loopback_silo_listens_on_loopback_alone()
    {
        Assert.False(AdvertisedAddress.ListensOnAnyAddress(IPAddress.Loopback));
        Assert.True(AdvertisedAddress.ListensOnAnyAddress(IPAddress.Parse("172.18.0.5")));
    }
}
