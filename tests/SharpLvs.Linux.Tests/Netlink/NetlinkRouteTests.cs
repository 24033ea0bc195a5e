using System.Diagnostics;
using SharpLvs.Linux.Netlink;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Netlink;

public class NetlinkRouteTests
{
    [RootFact]
    public void GetLinksAndAddresses_Namespace_ReportsVethAndLoopback()
    {
        using var a = NetworkNamespace.Create("a");
        using var b = NetworkNamespace.Create("b");
        NetworkNamespace.Link(a, "va", "198.18.1.1/24", b, "vb", "198.18.1.2/24");
        a.Ip("link set va mtu 1400");
        a.Ip("addr add fd00:198:18:1::1/64 dev va nodad");
        using var route = a.Run(() => new NetlinkRoute());

        var links = route.GetLinks();
        var va = Assert.Single(links, l => l.Name == "va");
        Assert.Equal(a.IfIndex("va"), va.IfIndex);
        Assert.Equal(1400, va.Mtu);
        Assert.True(va.IsUp);
        Assert.False(va.IsLoopback);
        Assert.False(va.Mac.IsZero);
        Assert.Contains(links, l => l.Name == "lo" && l.IsLoopback);
        Assert.Equal(va, route.GetLink(va.IfIndex));

        var addresses = route.GetAddresses();
        Assert.Contains(new AddressInfo(va.IfIndex, InetAddress.Parse("198.18.1.1"), 24), addresses);
        Assert.Contains(new AddressInfo(va.IfIndex, InetAddress.Parse("fd00:198:18:1::1"), 64), addresses);
    }

    [RootFact]
    public void LookupRoute_OnLinkAndViaGateway_ReportsOifGatewayAndSource()
    {
        using var a = NetworkNamespace.Create("a");
        using var b = NetworkNamespace.Create("b");
        NetworkNamespace.Link(a, "va", "198.18.1.1/24", b, "vb", "198.18.1.2/24");
        a.Ip("route add 198.19.5.0/24 via 198.18.1.2");
        using var route = a.Run(() => new NetlinkRoute());
        var va = a.IfIndex("va");

        var direct = route.LookupRoute(InetAddress.Parse("198.18.1.2"));
        Assert.Equal(new RouteInfo(va, InetAddress.None, InetAddress.Parse("198.18.1.1"), false), direct);

        var routed = route.LookupRoute(InetAddress.Parse("198.19.5.9"));
        Assert.Equal(new RouteInfo(va, InetAddress.Parse("198.18.1.2"), InetAddress.Parse("198.18.1.1"), false), routed);

        Assert.Null(route.LookupRoute(InetAddress.Parse("198.18.200.1")));
        Assert.True(route.LookupRoute(InetAddress.Parse("198.18.1.1"))!.IsLocal);
    }

    [RootFact]
    public void RequestResolution_UnknownNeighbour_KernelResolvesIt()
    {
        using var a = NetworkNamespace.Create("a");
        using var b = NetworkNamespace.Create("b");
        NetworkNamespace.Link(a, "va", "198.18.1.1/24", b, "vb", "198.18.1.2/24");
        using var route = a.Run(() => new NetlinkRoute());
        var va = a.IfIndex("va");
        var peer = InetAddress.Parse("198.18.1.2");
        var peerMac = b.Run(() => new NetlinkRoute().GetLinks().Single(l => l.Name == "vb").Mac);
        Assert.Null(route.LookupNeighbour(va, peer));

        Assert.Equal(0, route.TryRequestResolution(va, peer));
        NeighbourInfo? neighbour = null;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 3000 && neighbour is not { IsUsable: true })
        {
            Thread.Sleep(20);
            neighbour = route.LookupNeighbour(va, peer);
        }

        Assert.NotNull(neighbour);
        Assert.True(neighbour.IsUsable, $"state {neighbour.State}");
        Assert.Equal(peerMac, neighbour.Mac);
        Assert.Contains(neighbour, route.GetNeighbours());
    }

    [RootFact]
    public void Subscription_AddressAdded_ReportsChange()
    {
        using var a = NetworkNamespace.Create("a");
        using var b = NetworkNamespace.Create("b");
        NetworkNamespace.Link(a, "va", "198.18.1.1/24", b, "vb", "198.18.1.2/24");
        using var subscription = a.Run(() => new NetlinkSubscription());

        // A fresh link keeps announcing itself for a while (IPv6 link-local address, DAD,
        // routes), later still on a loaded machine: wait until it has been quiet for 200 ms.
        for (var i = 0; i < 50 && subscription.Wait(200); i++)
        {
            subscription.Drain();
        }

        Assert.False(subscription.Wait(200));

        a.Ip("addr add 198.18.1.10/24 dev va");

        Assert.True(subscription.Wait(2000));
    }
}
