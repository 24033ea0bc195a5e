using SharpLvs.Linux.Netlink;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Interfaces;

/// <summary>An interface lvsd serves, with its addresses.</summary>
public sealed record ServedInterface(LinkInfo Link, IReadOnlyList<AddressInfo> Addresses)
{
    public int IfIndex => Link.IfIndex;

    public string Name => Link.Name;
}

/// <summary>Where a VIP is configured on the director host.</summary>
public enum VipPlacement
{
    /// <summary>On no interface: lvsd must answer ARP / neighbour solicitations for it.</summary>
    Nowhere,

    /// <summary>On one of the served interfaces: the kernel answers ARP for it.</summary>
    ServedInterface,

    /// <summary>On <c>lo</c> (the LVS-DR habit): the kernel may answer ARP, depending on arp_ignore.</summary>
    Loopback,

    /// <summary>On an interface lvsd does not serve.</summary>
    OtherInterface,
}

/// <summary>
/// The host's interfaces as lvsd sees them at start: which it serves (every up, non-loopback
/// interface by default, or a named list), and what is configured where. A snapshot: build a
/// new one after netlink reports changes.
/// </summary>
public sealed class InterfaceCatalog
{
    private readonly IReadOnlyList<AddressInfo> _addresses;
    private readonly Dictionary<int, LinkInfo> _links;

    /// <summary>Builds the catalog from explicit lists (tests, or a caller that already has them).</summary>
    public InterfaceCatalog(IEnumerable<LinkInfo> links, IEnumerable<AddressInfo> addresses, IReadOnlyCollection<string>? servedNames = null)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(addresses);
        Links = [.. links];
        _links = Links.ToDictionary(l => l.IfIndex);
        _addresses = [.. addresses];

        IEnumerable<LinkInfo> served;
        if (servedNames is { Count: > 0 })
        {
            // A named interface that does not exist (a typo at start, or deleted since) is
            // simply not served: lvsd refuses to start without it, and a running lvsd must
            // not fail every refresh because one of its interfaces went away.
            served = Links.Where(l => servedNames.Contains(l.Name));
        }
        else
        {
            served = Links.Where(l => l.IsUp && !l.IsLoopback);
        }

        Served = [.. served.Select(l => new ServedInterface(l, [.. _addresses.Where(a => a.IfIndex == l.IfIndex)]))];
    }

    public IReadOnlyList<LinkInfo> Links { get; }

    public IReadOnlyList<ServedInterface> Served { get; }

    /// <summary>Reads links and addresses over rtnetlink.</summary>
    public static InterfaceCatalog Load(NetlinkRoute netlink, IReadOnlyCollection<string>? servedNames = null)
    {
        ArgumentNullException.ThrowIfNull(netlink);
        return new InterfaceCatalog(netlink.GetLinks(), netlink.GetAddresses(), servedNames);
    }

    /// <summary>The served interface whose subnet holds <paramref name="address"/> (longest prefix wins), or null.</summary>
    public ServedInterface? FindSubnet(InetAddress address)
    {
        ServedInterface? best = null;
        var bestPrefix = -1;
        foreach (var served in Served)
        {
            foreach (var a in served.Addresses)
            {
                if (a.PrefixLength > bestPrefix && a.Contains(address))
                {
                    best = served;
                    bestPrefix = a.PrefixLength;
                }
            }
        }

        return best;
    }

    /// <summary>Where <paramref name="vip"/> is configured, and on which interface (0 when nowhere).</summary>
    public (VipPlacement Placement, int IfIndex) Locate(InetAddress vip)
    {
        var found = _addresses.FirstOrDefault(a => a.Address == vip);
        if (found is null)
        {
            return (VipPlacement.Nowhere, 0);
        }

        if (_links.TryGetValue(found.IfIndex, out var link) && link.IsLoopback)
        {
            return (VipPlacement.Loopback, found.IfIndex);
        }

        return Served.Any(s => s.IfIndex == found.IfIndex)
            ? (VipPlacement.ServedInterface, found.IfIndex)
            : (VipPlacement.OtherInterface, found.IfIndex);
    }

    public ServedInterface? FindServed(int ifIndex) => Served.FirstOrDefault(s => s.IfIndex == ifIndex);
}
