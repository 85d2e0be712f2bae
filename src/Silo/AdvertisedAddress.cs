using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace EchoAtTime.Silo;

/// <summary>
/// Reads <c>Orleans:AdvertisedIP</c>, the address this silo gives the cluster for silo-to-silo and
/// client traffic. Unset means loopback (a cluster on one machine); an IP literal is used as is;
/// <c>auto</c> means this host's first non-loopback IPv4 address; anything else is a host name,
/// resolved with DNS to its first IPv4 address. In a container, <c>auto</c> advertises the
/// container's own address, so no per-container setting is needed.
/// </summary>
public static class AdvertisedAddress
{
    public const string Key = "Orleans:AdvertisedIP";
    public const string Auto = "auto";
    public const string ListenOnAnyKey = "Orleans:ListenOnAnyHostAddress";

    public static IPAddress Resolve(string? setting) => Resolve(setting, Dns.GetHostAddresses, HostAddresses);

    /// <param name="setting">The configured value.</param>
    /// <param name="lookUp">Resolves a host name (DNS).</param>
    /// <param name="hostAddresses">This host's unicast addresses, preferred ones first.</param>
    public static IPAddress Resolve(string? setting, Func<string, IPAddress[]> lookUp, Func<IEnumerable<IPAddress>> hostAddresses)
    {
        ArgumentNullException.ThrowIfNull(lookUp);
        ArgumentNullException.ThrowIfNull(hostAddresses);

        var value = setting?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(value, out var literal))
        {
            return literal;
        }

        if (string.Equals(value, Auto, StringComparison.OrdinalIgnoreCase))
        {
            return hostAddresses().FirstOrDefault(IsRoutableIPv4)
                ?? throw new InvalidOperationException($"{Key} is '{Auto}' but this host has no non-loopback IPv4 address.");
        }

        IPAddress[] resolved;
        try
        {
            resolved = lookUp(value);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"{Key}: host name '{value}' does not resolve ({e.Message}).", e);
        }

        return resolved.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"{Key}: host name '{value}' has no IPv4 address.");
    }

    /// <summary>
    /// The silo and gateway ports listen on the advertised address alone: they take no key, so they
    /// belong on the network the cluster talks over and no other. <c>true</c> listens on every
    /// address of the host, for an advertised address that is not the host's own (NAT, a port mapping).
    /// </summary>
    public static bool ListensOnAnyAddress(string? setting)
    {
        var value = setting?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        return bool.TryParse(value, out var any)
            ? any
            : throw new InvalidOperationException($"{ListenOnAnyKey} must be true or false, not '{value}'.");
    }

    private static bool IsRoutableIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork || IPAddress.IsLoopback(address))
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        return !(bytes[0] == 169 && bytes[1] == 254) && !address.Equals(IPAddress.Any); // not link-local
    }

    /// <summary>Unicast addresses of the interfaces that are up (or of unknown state), up ones first.</summary>
    private static IEnumerable<IPAddress> HostAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.NetworkInterfaceType != NetworkInterfaceType.Loopback
                && nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .OrderBy(nic => nic.OperationalStatus == OperationalStatus.Up ? 0 : 1)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address);
}
