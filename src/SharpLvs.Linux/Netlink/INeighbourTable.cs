using SharpLvs.Packets;

namespace SharpLvs.Linux.Netlink;

/// <summary>
/// What next-hop resolution asks of the host (routes, neighbours, links): rtnetlink in
/// <see cref="NetlinkRoute"/>, a dictionary in tests.
/// </summary>
public interface INeighbourTable
{
    RouteInfo? LookupRoute(InetAddress destination);

    NeighbourInfo? LookupNeighbour(int ifIndex, InetAddress address);

    LinkInfo? GetLink(int ifIndex);

    /// <summary>Asks the kernel to resolve (ARP / neighbour solicitation) without sending anything else.</summary>
    void RequestResolution(int ifIndex, InetAddress address);
}
