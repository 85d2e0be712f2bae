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

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    [InlineData(" True ", true)]
    public void A_silo_listens_on_the_address_it_advertises_alone_unless_told_to_listen_on_all(
        string? setting, bool onAll)
    {
        Assert.Equal(onAll, AdvertisedAddress.ListensOnAnyAddress(setting));
    }

    [Fact]
    public void A_listen_setting_that_is_no_boolean_fails_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AdvertisedAddress.ListensOnAnyAddress("yes"));
        Assert.Contains(AdvertisedAddress.ListenOnAnyKey, error.Message, StringComparison.Ordinal);
    }
}
