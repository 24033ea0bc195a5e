using SharpLvs.Packets;

namespace SharpLvs.Control.Rules;

/// <summary>
/// The kernel's test that a real server address is usable (ip_vs_new_dest): IPv4 must be
/// RTN_UNICAST or RTN_LOCAL by inet_addr_type, IPv6 must be unicast and not link-local
/// unless it is one of the host's own addresses.
/// </summary>
internal static class AddressChecks
{
    public static bool IsUsableDestination(InetAddress address, bool isLocal)
    {
        if (isLocal)
        {
            return true;
        }

        if (address.IsIPv4)
        {
            var v4 = address.V4;
            // inet_addr_type: 0.0.0.0/8 and 255.255.255.255 are RTN_BROADCAST, 224/4 RTN_MULTICAST.
            return (v4 >> 24) != 0 && v4 != 0xFFFF_FFFF && (v4 >> 28) != 0xE;
        }

        var high = address.High;
        if (address.IsNone)
        {
            return false; // IPV6_ADDR_ANY
        }

        var isMulticast = (high >> 56) == 0xFF;
        var isLinkLocal = (high >> 54) == (0xFE80UL >> 6);
        return !isMulticast && !isLinkLocal;
    }
}
