using SharpLvs.Packets;

namespace SharpLvs.Linux.Netlink;

/// <summary>A network interface as rtnetlink reports it (RTM_NEWLINK).</summary>
public sealed record LinkInfo(int IfIndex, string Name, MacAddress Mac, int Mtu, bool IsUp, bool IsRunning, bool IsLoopback);

/// <summary>An address configured on an interface (RTM_NEWADDR).</summary>
public sealed record AddressInfo(int IfIndex, InetAddress Address, int PrefixLength)
{
    public System.Net.Sockets.AddressFamily Family =>
        Address.IsIPv4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;

    /// <summary>True when <paramref name="other"/> lies in this address's subnet.</summary>
    public bool Contains(InetAddress other) => Prefix.SameSubnet(Address, other, PrefixLength);
}

/// <summary>
/// The kernel's answer to "how would you send to this address" (RTM_GETROUTE): the output
/// interface, the gateway (<see cref="InetAddress.None"/> when the destination is on-link)
/// and the preferred source address.
/// </summary>
public sealed record RouteInfo(int OutputIfIndex, InetAddress Gateway, InetAddress PreferredSource, bool IsLocal)
{
    public bool HasGateway => !Gateway.IsNone;
}

/// <summary>NUD states (linux/neighbour.h).</summary>
[Flags]
public enum NeighbourState : ushort
{
    None = 0,
    Incomplete = 0x01,
    Reachable = 0x02,
    Stale = 0x04,
    Delay = 0x08,
    Probe = 0x10,
    Failed = 0x20,
    NoArp = 0x40,
    Permanent = 0x80,
}

/// <summary>A neighbour-table entry (RTM_NEWNEIGH).</summary>
public sealed record NeighbourInfo(int IfIndex, InetAddress Address, MacAddress Mac, NeighbourState State)
{
    /// <summary>
    /// NUD_VALID: the entry holds a link-layer address frames can be sent to (STALE included:
    /// the kernel itself keeps sending to a stale entry while it re-probes).
    /// </summary>
    public bool IsUsable =>
        !Mac.IsZero && (State & (NeighbourState.Reachable | NeighbourState.Stale | NeighbourState.Delay |
                                 NeighbourState.Probe | NeighbourState.Permanent | NeighbourState.NoArp)) != 0;
}

internal static class Prefix
{
    public static bool SameSubnet(InetAddress a, InetAddress b, int prefixLength)
    {
        if (a.IsIPv4 != b.IsIPv4)
        {
            return false;
        }

        // IPv4 is held IPv4-mapped: its prefix counts from bit 96 of the sixteen bytes.
        var bits = a.IsIPv4 ? 96 + prefixLength : prefixLength;
        var highBits = Math.Min(bits, 64);
        var lowBits = Math.Max(bits - 64, 0);
        var highMask = highBits == 0 ? 0UL : ulong.MaxValue << (64 - highBits);
        var lowMask = lowBits == 0 ? 0UL : ulong.MaxValue << (64 - lowBits);
        return ((a.High ^ b.High) & highMask) == 0 && ((a.Low ^ b.Low) & lowMask) == 0;
    }
}
