using SharpLvs.Linux.Interfaces;
using SharpLvs.Linux.Netlink;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Interfaces;

public class InterfaceCatalogTests
{
    private static readonly LinkInfo Lo = new(1, "lo", default, 65536, true, true, IsLoopback: true);
    private static readonly LinkInfo Eth0 = new(2, "eth0", new MacAddress(0x020000000002), 1500, true, true, false);
    private static readonly LinkInfo Eth1 = new(3, "eth1", new MacAddress(0x020000000003), 1500, true, true, false);
    private static readonly LinkInfo Down = new(4, "eth2", new MacAddress(0x020000000004), 1500, false, false, false);

    private static readonly AddressInfo[] Addresses =
    [
        new(1, InetAddress.Parse("127.0.0.1"), 8),
        new(1, InetAddress.Parse("198.18.0.100"), 32),
        new(2, InetAddress.Parse("198.18.0.2"), 24),
        new(3, InetAddress.Parse("198.18.0.130"), 25),
        new(3, InetAddress.Parse("fd00:198:18::2"), 64),
        new(4, InetAddress.Parse("198.19.0.1"), 24),
    ];

    [Fact]
    public void Served_Default_UpNonLoopbackOnly()
    {
        var catalog = new InterfaceCatalog([Lo, Eth0, Eth1, Down], Addresses);

        Assert.Equal(["eth0", "eth1"], catalog.Served.Select(s => s.Name));
        Assert.Equal(2, catalog.Served[1].Addresses.Count);
    }

    [Fact]
    public void Served_NamedList_OnlyThoseThatExist()
    {
        Assert.Equal(["eth1"], new InterfaceCatalog([Lo, Eth0, Eth1], Addresses, ["eth1"]).Served.Select(s => s.Name));
        Assert.Equal(["eth0"], new InterfaceCatalog([Lo, Eth0], Addresses, ["eth9", "eth0"]).Served.Select(s => s.Name));
        Assert.Empty(new InterfaceCatalog([Lo, Eth0], Addresses, ["eth9"]).Served);
    }

    [Fact]
    public void FindSubnet_OverlappingPrefixes_LongestWins()
    {
        var catalog = new InterfaceCatalog([Lo, Eth0, Eth1, Down], Addresses);

        Assert.Equal(2, catalog.FindSubnet(InetAddress.Parse("198.18.0.50"))?.IfIndex);
        Assert.Equal(3, catalog.FindSubnet(InetAddress.Parse("198.18.0.200"))?.IfIndex);
        Assert.Equal(3, catalog.FindSubnet(InetAddress.Parse("fd00:198:18::99"))?.IfIndex);
        Assert.Null(catalog.FindSubnet(InetAddress.Parse("198.19.0.9")));
    }

    [Fact]
    public void Locate_VipOnLoServedOtherOrNowhere_Classified()
    {
        var catalog = new InterfaceCatalog([Lo, Eth0, Eth1, Down], Addresses);

        Assert.Equal((VipPlacement.Loopback, 1), catalog.Locate(InetAddress.Parse("198.18.0.100")));
        Assert.Equal((VipPlacement.ServedInterface, 2), catalog.Locate(InetAddress.Parse("198.18.0.2")));
        Assert.Equal((VipPlacement.OtherInterface, 4), catalog.Locate(InetAddress.Parse("198.19.0.1")));
        Assert.Equal((VipPlacement.Nowhere, 0), catalog.Locate(InetAddress.Parse("198.18.0.77")));
    }

    [RootFact]
    public void Load_Namespace_ServesVethNotLoopback()
    {
        using var a = NetworkNamespace.Create("a");
        using var b = NetworkNamespace.Create("b");
        NetworkNamespace.Link(a, "va", "198.18.1.1/24", b, "vb", "198.18.1.2/24");
        a.Ip("addr add 198.18.1.100/32 dev lo");

        var catalog = a.Run(() =>
        {
            using var netlink = new NetlinkRoute();
            return InterfaceCatalog.Load(netlink);
        });

        var served = Assert.Single(catalog.Served);
        Assert.Equal("va", served.Name);
        Assert.Equal((VipPlacement.Loopback, 1), catalog.Locate(InetAddress.Parse("198.18.1.100")));
        Assert.Equal(served.IfIndex, catalog.FindSubnet(InetAddress.Parse("198.18.1.50"))?.IfIndex);
    }
}
