using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PersistenceTests;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>Firewall-mark services fed by lvsd's classifier, and one-packet scheduling.</summary>
public class FirewallMarkTests
{
    private const long T0 = 1_000_000;
    private static readonly ServiceKey Mark1 = new(0, InetAddress.FromV4(0), 0, 1);

    [Fact]
    public void Process_HttpAndHttpsMarkedAlike_PersistentClientKeepsItsServerAcrossPorts()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, Mark1, 300), marks: Marks(Rule(Vip, 32, 80, 80, 1), Rule(Vip, 32, 443, 443, 1)));

        var (http, httpOut) = lab.Run(Syn(Client, 40000, 80), T0);
        var (https, httpsOut) = lab.Run(Syn(Client, 40001, 443), T0);
        var (_, otherOut) = lab.Run(Syn(Client2, 40000, 443), T0);

        Assert.Equal((Verdict.Transmit, Verdict.Transmit), (http.Verdict, https.Verdict));
        Assert.Equal((MacA, MacA, MacB), (MacAddress.Read(httpOut), MacAddress.Read(httpsOut), MacAddress.Read(otherOut)));
        var list = new List<ConnectionInfo>();
        lab.Connections.Snapshot(list, T0);
        // <IPPROTO_IP, caddr, 0, fwmark, 0>: the mark stands where the virtual address would.
        var template = Assert.Single(list, c => c.IsTemplate && c.ClientAddress == Client);
        Assert.Equal(((byte)0, InetAddress.FromV4(1), (ushort)0, (ushort)0), (template.Protocol, template.VirtualAddress, template.VirtualPort, template.DestinationPort));
    }

    [Fact]
    public void Process_MarkedPacket_FwmarkServiceFoundBeforeAddressService()
    {
        var lab = new PipelineLab();
        var onlyA = ImmutableArray.Create(lab.A);
        var onlyB = ImmutableArray.Create(lab.B);
        var marked = new VirtualService(Mark1, SchedulerNames.RoundRobin, SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, onlyA, null), onlyA);
        var plain = new VirtualService(new ServiceKey(IpProtocols.Tcp, Vip, 80), SchedulerNames.RoundRobin, SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, onlyB, null), onlyB);
        lab.Holder.Publish(new ServiceTable([plain, marked], null, null, Marks(Rule(Vip, 32, 80, 80, 1))));

        var (_, output) = lab.Run(Syn(Client, 40000, 80), T0);

        Assert.Equal(MacA, MacAddress.Read(output));
    }

    [Fact]
    public void Process_MarkWithoutService_FallsBackToAddressService()
    {
        var lab = new PipelineLab();
        lab.Holder.Publish(new ServiceTable([lab.Web], null, null, Marks(Rule(Vip, 32, 80, 80, 7))));

        var (packet, _) = lab.Run(Syn(Client, 40000, 80), T0);

        Assert.Equal(Verdict.Transmit, packet.Verdict);
    }

    [Fact]
    public void Process_PrefixAndPortRange_AddressesOutsideAnyServiceAreTheDirectors()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, Mark1, 300), marks: Marks(Rule(InetAddress.Parse("198.18.0.0"), 24, 8000, 8099, 1)));
        var inside = InetAddress.Parse("198.18.0.77");

        var (hit, _) = lab.Run(FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, inside, 8042, TcpFlags.Syn), T0);
        var (otherPort, _) = lab.Run(FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, inside, 8100, TcpFlags.Syn), T0);
        var (otherNet, _) = lab.Run(FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, InetAddress.Parse("198.18.1.77"), 8042, TcpFlags.Syn), T0);
        var (udp, _) = lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 40000, inside, 8042, "x"u8), T0);

        Assert.Equal(Verdict.Transmit, hit.Verdict);
        Assert.Equal(Verdict.PassToKernel, otherPort.Verdict);
        Assert.Equal(Verdict.PassToKernel, otherNet.Verdict);
        Assert.Equal(Verdict.PassToKernel, udp.Verdict);
    }

    [Fact]
    public void Process_Ipv6Mark_FindsTheIpv6FwmarkService()
    {
        var lab = new PipelineLab();
        var servers = ImmutableArray.Create(lab.A6);
        var service = new VirtualService(new ServiceKey(0, InetAddress.None, 0, 1), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers);
        lab.Holder.Publish(new ServiceTable([service], null, null, Marks(Rule(InetAddress.Parse("fd00:198:18::"), 64, 443, 443, 1))));

        var (packet, output) = lab.Run(FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, InetAddress.Parse("fd00:198:18::7"), 443, TcpFlags.Syn), T0);

        Assert.Equal(Verdict.Transmit, packet.Verdict);
        Assert.Equal(MacA, MacAddress.Read(output));
    }

    [Fact]
    public void Process_OnePacketUdp_EachDatagramScheduledAloneWithoutEntries()
    {
        var lab = new PipelineLab();
        var servers = ImmutableArray.Create(lab.A, lab.B);
        var dns = new VirtualService(new ServiceKey(IpProtocols.Udp, Vip, 53), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers, ServiceFlags.OnePacket);
        lab.Holder.Publish(new ServiceTable([dns]));

        var macs = Enumerable.Range(0, 4)
            .Select(_ => MacAddress.Read(lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5353, Vip, 53, "q"u8), T0).Output))
            .ToArray();

        Assert.Equal([MacA, MacB, MacA, MacB], macs);
        Assert.Equal(0, lab.Connections.Count);
        Assert.Equal((4, 4), (dns.Stats.Connections, dns.Stats.InPackets));
        Assert.Equal((0, 0), (lab.A.InactiveConnections, lab.B.InactiveConnections));
    }

    [Fact]
    public void Process_OnePacketPersistentUdp_TemplateKeptConnectionsNot()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Udp, Vip, 53), 300, extra: ServiceFlags.OnePacket));

        lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5353, Vip, 53, "q"u8), T0);
        var (_, second) = lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5354, Vip, 53, "q"u8), T0);

        Assert.Equal(MacA, MacAddress.Read(second));
        Assert.Equal((1, 1), (lab.Connections.Count, lab.A.PersistentConnections));
    }

    [Fact]
    public void Process_OnePacketFlagOnTcp_ConnectionsStillTracked()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300, extra: ServiceFlags.OnePacket));

        lab.Run(Syn(Client, 40000, 80), T0);

        Assert.Equal(2, lab.Connections.Count);
    }

    internal static FirewallMarkRule Rule(InetAddress network, int prefix, ushort first, ushort last, uint mark) =>
        new(IpProtocols.Tcp, network, prefix, first, last, mark);

    internal static FirewallMarkClassifier Marks(params FirewallMarkRule[] rules) => new(rules);

    private static byte[] Syn(InetAddress client, ushort clientPort, ushort port) =>
        FrameBuilder.Tcp(DirectorMac, ClientMac, client, clientPort, Vip, port, TcpFlags.Syn);
}
