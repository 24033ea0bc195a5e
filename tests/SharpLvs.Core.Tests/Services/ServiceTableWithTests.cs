using System.Collections.Immutable;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Services;

public class ServiceTableWithTests
{
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.100");
    private static readonly InetAddress Rip = InetAddress.Parse("198.18.1.1");
    private static readonly InetAddress Lip = InetAddress.Parse("198.18.2.1");
    private static readonly MacAddress OurMac = new(0x02_00_00_00_00_01);

    [Fact]
    public void With_RemovedAndAdded_AnswersAsTableBuiltFromScratch()
    {
        var http = Service(IpProtocols.Tcp, 80, Server(ForwardingMethod.Masquerade));
        var https = Service(IpProtocols.Tcp, 443, Server(ForwardingMethod.Tunnel));
        var previous = new ServiceTable([http, https]);

        var fullNat = Service(IpProtocols.Udp, 0, Server(ForwardingMethod.FullNat));
        var all = new VirtualService(fullNat.Key, fullNat.SchedulerName, fullNat.Scheduler, fullNat.RealServers) { LocalAddresses = [new LocalAddressPool(Lip)] };
        var next = previous.With([https, all], [http], [all]);
        var scratch = new ServiceTable([https, all]);

        Assert.Equal(scratch.Services, next.Services);
        foreach (var table in new[] { next, scratch })
        {
            Assert.False(table.IsRealService(IpProtocols.Tcp, Rip, 80));
            Assert.False(table.IsReplySource(Rip));
            Assert.True(table.IsTunnelServer(Rip));
            Assert.True(table.IsLocalAddress(Lip));
            Assert.True(table.HasReplyPath);
            Assert.True(table.HasTunnels);
            Assert.Same(all, table.FindForPacket(IpProtocols.Udp, Vip, 53));
            Assert.Equal(2, table.RealServerCount);
        }

        // The data plane may still read the previous table: it is as it was.
        Assert.True(previous.IsRealService(IpProtocols.Tcp, Rip, 80));
        Assert.False(previous.IsLocalAddress(Lip));
        Assert.Null(previous.FindForPacket(IpProtocols.Udp, Vip, 53));
    }

    [Fact]
    public void With_OneOfTwoServicesOnAVipRemoved_VipStays()
    {
        var http = Service(IpProtocols.Tcp, 80, Server(ForwardingMethod.DirectRouting));
        var https = Service(IpProtocols.Tcp, 443, Server(ForwardingMethod.DirectRouting));
        var table = new ServiceTable([http, https]);

        var one = table.With([https], [http], []);
        var none = one.With([], [https], []);

        Assert.True(one.IsVirtualAddress(Vip));
        Assert.False(none.IsVirtualAddress(Vip));
    }

    [Fact]
    public void With_ServerMethodEditedInPlace_RemovesWhatItAdded()
    {
        // The compiler edits a kept real server's method in place before the old service
        // leaves: the table must take out what the service put in, not what it has now.
        var server = Server(ForwardingMethod.Masquerade);
        var old = Service(IpProtocols.Tcp, 80, server);
        var table = new ServiceTable([old]);

        server.Method = ForwardingMethod.DirectRouting;
        var successor = Service(IpProtocols.Tcp, 80, server);
        var next = table.With([successor], [old], [successor]);

        Assert.False(next.IsReplySource(Rip));
        Assert.False(next.IsRealService(IpProtocols.Tcp, Rip, 80));
        Assert.False(next.HasReplyPath);
    }

    [Fact]
    public void With_NoArpAnswers_KeepsThePreviousOnes()
    {
        var table = new ServiceTable([], [new ArpAnswer(3, Vip, OurMac)]);

        var kept = table.With([], [], []);
        var replaced = table.With([], [], [], []);

        Assert.Same(table.ArpAnswers, kept.ArpAnswers);
        Assert.True(kept.TryGetArpAnswer(3, Vip, out _));
        Assert.False(replaced.TryGetArpAnswer(3, Vip, out _));
    }

    [Fact]
    public void With_InconsistentChange_Throws()
    {
        var http = Service(IpProtocols.Tcp, 80, Server(ForwardingMethod.DirectRouting));
        var stranger = Service(IpProtocols.Tcp, 80, Server(ForwardingMethod.DirectRouting));
        var table = new ServiceTable([http]);

        Assert.Throws<ArgumentException>(() => table.With([http, stranger], [], [stranger]));
        Assert.Throws<ArgumentException>(() => table.With([], [stranger], []));
        Assert.Throws<ArgumentException>(() => table.With([], [], []));
    }

    private static RealServer Server(ForwardingMethod method) => new(Rip, 80, method, 1);

    private static VirtualService Service(byte protocol, ushort port, params RealServer[] servers)
    {
        var list = ImmutableArray.Create(servers);
        return new VirtualService(new ServiceKey(protocol, Vip, port), "rr", SchedulerRegistry.Default.Create("rr", list, null), list);
    }
}
