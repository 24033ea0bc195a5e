using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Services;

public class ServiceTableTests
{
    private static readonly MacAddress OurMac = new(0x02_00_00_00_00_01);

    [Fact]
    public void Find_ExactProtocolAddressPort_ReturnsService()
    {
        var service = Service(SchedulerNames.RoundRobin, Server('A'));
        var table = new ServiceTable([service]);

        Assert.Same(service, table.Find(IpProtocols.Tcp, Vip, 80));
        Assert.Null(table.Find(IpProtocols.Udp, Vip, 80));
        Assert.Null(table.Find(IpProtocols.Tcp, Vip, 81));
        Assert.Null(table.Find(IpProtocols.Tcp, InetAddress.Parse("198.18.0.101"), 80));
    }

    [Fact]
    public void IsVirtualAddress_AnyServiceAddress_True()
    {
        var table = new ServiceTable([Service(SchedulerNames.RoundRobin, Server('A'))]);

        Assert.True(table.IsVirtualAddress(Vip));
        Assert.False(table.IsVirtualAddress(InetAddress.Parse("198.18.0.101")));
    }

    [Fact]
    public void TryGetArpAnswer_ByInterfaceAndAddress()
    {
        var table = new ServiceTable([], [new ArpAnswer(3, Vip, OurMac)]);

        Assert.True(table.TryGetArpAnswer(3, Vip, out var mac));
        Assert.Equal(OurMac, mac);
        Assert.False(table.TryGetArpAnswer(4, Vip, out _));
        Assert.False(table.TryGetArpAnswer(3, InetAddress.Parse("198.18.0.101"), out _));
    }

    [Fact]
    public void Constructor_DuplicateService_Throws()
    {
        var service = Service(SchedulerNames.RoundRobin, Server('A'));

        Assert.Throws<ArgumentException>(() => new ServiceTable([service, service]));
    }

    [Fact]
    public void Holder_Publish_IsSeenByCurrent()
    {
        var holder = new ServiceTableHolder();
        var table = new ServiceTable([Service(SchedulerNames.RoundRobin, Server('A'))]);
        Assert.Same(ServiceTable.Empty, holder.Current);

        holder.Publish(table);

        Assert.Same(table, holder.Current);
    }
}
