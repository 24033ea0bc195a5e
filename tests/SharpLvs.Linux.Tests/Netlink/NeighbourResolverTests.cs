using SharpLvs.Core.Services;
using SharpLvs.Linux.Netlink;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Netlink;

public class NeighbourResolverTests
{
    private static readonly MacAddress LinkMac = new(0x02_00_00_00_00_01);
    private static readonly MacAddress ServerMac = new(0x02_00_00_00_00_09);
    private static readonly MacAddress GatewayMac = new(0x02_00_00_00_00_fe);
    private static readonly InetAddress Server = InetAddress.Parse("198.18.0.9");
    private static readonly InetAddress Gateway = InetAddress.Parse("198.18.0.254");

    [Fact]
    public void ResolveAll_OnLinkServerWithNeighbour_SetsNextHop()
    {
        var table = new FakeNeighbourTable();
        table.Routes[Server] = new RouteInfo(3, InetAddress.None, InetAddress.Parse("198.18.0.1"), false);
        table.Neighbours[(3, Server)] = new NeighbourInfo(3, Server, ServerMac, NeighbourState.Reachable);
        var rs = new RealServer(Server, 80, ForwardingMethod.DirectRouting, 1);

        Assert.Equal(1, new NeighbourResolver(table, () => [rs]).ResolveAll());

        Assert.Equal(new NextHop(3, LinkMac, ServerMac, 1500, InetAddress.Parse("198.18.0.1")), rs.NextHop);
        Assert.Empty(table.Requested);
    }

    [Fact]
    public void ResolveAll_ServerBehindGateway_UsesGatewayMac()
    {
        var table = new FakeNeighbourTable();
        table.Routes[Server] = new RouteInfo(3, Gateway, InetAddress.None, false);
        table.Neighbours[(3, Gateway)] = new NeighbourInfo(3, Gateway, GatewayMac, NeighbourState.Stale);
        var rs = new RealServer(Server, 80, ForwardingMethod.DirectRouting, 1);

        new NeighbourResolver(table, () => [rs]).ResolveAll();

        Assert.Equal(new NextHop(3, LinkMac, GatewayMac, 1500), rs.NextHop);
        Assert.Equal([(3, Gateway)], table.Requested);
    }

    [Fact]
    public void ResolveAll_NeighbourMissing_RequestsResolutionOncePerSecond()
    {
        var table = new FakeNeighbourTable();
        table.Routes[Server] = new RouteInfo(3, InetAddress.None, InetAddress.None, false);
        var rs = new RealServer(Server, 80, ForwardingMethod.DirectRouting, 1);
        var time = new ManualTime();
        var resolver = new NeighbourResolver(table, () => [rs], time);

        Assert.Equal(0, resolver.ResolveAll());
        resolver.ResolveAll();
        time.Advance(TimeSpan.FromSeconds(1.5));
        resolver.ResolveAll();

        Assert.Null(rs.NextHop);
        Assert.Equal([(3, Server), (3, Server)], table.Requested);
    }

    [Fact]
    public void ResolveAll_NeighbourFailsAfterKnown_KeepsLastNextHop()
    {
        var table = new FakeNeighbourTable();
        table.Routes[Server] = new RouteInfo(3, InetAddress.None, InetAddress.None, false);
        table.Neighbours[(3, Server)] = new NeighbourInfo(3, Server, ServerMac, NeighbourState.Reachable);
        var rs = new RealServer(Server, 80, ForwardingMethod.DirectRouting, 1);
        var resolver = new NeighbourResolver(table, () => [rs]);
        resolver.ResolveAll();

        table.Neighbours[(3, Server)] = new NeighbourInfo(3, Server, default, NeighbourState.Incomplete);
        resolver.ResolveAll();

        Assert.Equal(new NextHop(3, LinkMac, ServerMac, 1500), rs.NextHop);
    }

    [Fact]
    public void ResolveAll_ManyRealServersOnOneAddress_LooksTheAddressUpOncePerPass()
    {
        var table = new FakeNeighbourTable();
        table.Routes[Server] = new RouteInfo(3, InetAddress.None, InetAddress.None, false);
        table.Neighbours[(3, Server)] = new NeighbourInfo(3, Server, ServerMac, NeighbourState.Reachable);
        var servers = Enumerable.Range(0, 1000).Select(_ => new RealServer(Server, 80, ForwardingMethod.DirectRouting, 1)).ToArray();

        Assert.Equal(1000, new NeighbourResolver(table, () => servers).ResolveAll());

        Assert.Equal(1, table.RouteLookups);
        Assert.All(servers, rs => Assert.Equal(new NextHop(3, LinkMac, ServerMac, 1500), rs.NextHop));
    }

    [Fact]
    public void ResolveAll_SharedAddressUnresolved_EachServerKeepsItsOwnLastNextHop()
    {
        var table = new FakeNeighbourTable();
        table.Routes[Server] = new RouteInfo(3, InetAddress.None, InetAddress.None, false);
        var known = new RealServer(Server, 80, ForwardingMethod.DirectRouting, 1) { NextHop = new NextHop(3, LinkMac, ServerMac, 1500) };
        var fresh = new RealServer(Server, 8080, ForwardingMethod.DirectRouting, 1);

        new NeighbourResolver(table, () => [known, fresh]).ResolveAll();

        Assert.Equal(new NextHop(3, LinkMac, ServerMac, 1500), known.NextHop);
        Assert.Null(fresh.NextHop);
    }

    [Fact]
    public void ResolveAll_RouteGoneOrLocal_ClearsNextHop()
    {
        var table = new FakeNeighbourTable();
        var rs = new RealServer(Server, 80, ForwardingMethod.DirectRouting, 1) { NextHop = new NextHop(3, LinkMac, ServerMac, 1500) };
        new NeighbourResolver(table, () => [rs]).ResolveAll();
        Assert.Null(rs.NextHop);

        table.Routes[Server] = new RouteInfo(1, InetAddress.None, InetAddress.None, IsLocal: true);
        new NeighbourResolver(table, () => [rs]).ResolveAll();
        Assert.Null(rs.NextHop);
    }

    [RootFact]
    public void Start_RealServerInPeerNamespace_ResolvesNextHop()
    {
        using var a = NetworkNamespace.Create("a");
        using var b = NetworkNamespace.Create("b");
        NetworkNamespace.Link(a, "va", "198.18.1.1/24", b, "vb", "198.18.1.2/24");
        var peerMac = b.Run(() => new NetlinkRoute().GetLinks().Single(l => l.Name == "vb").Mac);
        var localMac = a.Run(() => new NetlinkRoute().GetLinks().Single(l => l.Name == "va").Mac);
        var rs = new RealServer(InetAddress.Parse("198.18.1.2"), 80, ForwardingMethod.DirectRouting, 1);
        using var table = a.Run(() => new NetlinkRoute());
        using var resolver = new NeighbourResolver(table, () => [rs]);
        resolver.Start(a.Run(() => new NetlinkSubscription()));

        var deadline = Environment.TickCount64 + 5000;
        while (rs.NextHop is null && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.Equal(new NextHop(a.IfIndex("va"), localMac, peerMac, 1500, InetAddress.Parse("198.18.1.1")), rs.NextHop);
    }

    private sealed class FakeNeighbourTable : INeighbourTable
    {
        public Dictionary<InetAddress, RouteInfo> Routes { get; } = [];

        public Dictionary<(int, InetAddress), NeighbourInfo> Neighbours { get; } = [];

        public List<(int, InetAddress)> Requested { get; } = [];

        public int RouteLookups { get; private set; }

        public RouteInfo? LookupRoute(InetAddress destination)
        {
            RouteLookups++;
            return Routes.GetValueOrDefault(destination);
        }

        public NeighbourInfo? LookupNeighbour(int ifIndex, InetAddress address) => Neighbours.GetValueOrDefault((ifIndex, address));

        public LinkInfo? GetLink(int ifIndex) => new(ifIndex, "eth" + ifIndex, LinkMac, 1500, true, true, false);

        public void RequestResolution(int ifIndex, InetAddress address) => Requested.Add((ifIndex, address));
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
