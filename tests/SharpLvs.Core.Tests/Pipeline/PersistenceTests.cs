using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Persistent services (ip_vs_sched_persist): templates keyed on the client's network, bound
/// to a real server, refreshed by each connection they schedule, kept while they control
/// connections; expectations follow ip_vs_core.c and ip_vs_conn.c.
/// </summary>
public class PersistenceTests
{
    private const long T0 = 1_000_000;

    [Fact]
    public void Process_PersistentService_OneClientStaysOnOneServerAcrossConnections()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300));

        var macs = Enumerable.Range(0, 6).Select(i => MacAddress.Read(lab.Run(Tcp(Client, (ushort)(40000 + i), TcpFlags.Syn), T0).Output)).ToArray();
        var (_, other) = lab.Run(Tcp(Client2, 40000, TcpFlags.Syn), T0);

        Assert.All(macs, mac => Assert.Equal(MacA, mac));
        Assert.Equal(MacB, MacAddress.Read(other)); // rr moved on once, for Client2's template
        Assert.Equal((1, 1), (lab.A.PersistentConnections, lab.B.PersistentConnections));
        Assert.Equal(6 + 1 + 2, lab.Connections.Count); // connections + templates
    }

    [Fact]
    public void Snapshot_Template_ListedWithClientPortZeroStateNoneAndServicePort()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300));
        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);

        var list = new List<ConnectionInfo>();
        lab.Connections.Snapshot(list, T0);

        var template = Assert.Single(list, c => c.IsTemplate);
        Assert.Equal((IpProtocols.Tcp, Client, (ushort)0, Vip, (ushort)80), (template.Protocol, template.ClientAddress, template.ClientPort, template.VirtualAddress, template.VirtualPort));
        Assert.Equal((lab.A.Address, (ushort)80, "NONE", 300_000L), (template.DestinationAddress, template.DestinationPort, template.StateName, template.ExpiresInMs));
    }

    [Fact]
    public void Expire_TemplateControllingConnections_KeptAndCheckedAgainEvery60Seconds()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 3));
        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);                // → A, SYN_RECV (60 s)

        lab.Connections.Expire(T0 + 5_000);                            // template due, controls one
        Assert.Equal((2, 1), (lab.Connections.Count, lab.A.PersistentConnections));

        Close(lab, 40000, T0 + 5_000);                                 // CLOSE: 10 s
        lab.Connections.Expire(T0 + 16_000);                           // connection gone
        Assert.Equal((1, 1), (lab.Connections.Count, lab.A.PersistentConnections));

        lab.Connections.Expire(T0 + 5_000 + 61_000);                   // expire_later's 60 s passed
        Assert.Equal((0, 0), (lab.Connections.Count, lab.A.PersistentConnections));
    }

    [Fact]
    public void Process_AfterTemplateExpired_ClientScheduledAfresh()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 3));
        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);                // → A
        Close(lab, 40000, T0);                                         // CLOSE, 10 s

        lab.Connections.Expire(T0 + 12_000);                           // both gone: the template had no control left
        var (_, again) = lab.Run(Tcp(Client, 40001, TcpFlags.Syn), T0 + 12_000);

        Assert.Equal(MacB, MacAddress.Read(again));
    }

    [Fact]
    public void Process_NewConnection_RestartsTemplateTimerWithServiceTimeout()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 10));
        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);
        Close(lab, 40000, T0);                                         // CLOSE, gone after 10 s
        lab.Run(Tcp(Client, 40001, TcpFlags.Syn), T0 + 8_000);       // refreshes the template to T0+18 s
        Close(lab, 40001, T0 + 8_000);

        lab.Connections.Expire(T0 + 12_000);                           // the first template deadline passed
        var (_, again) = lab.Run(Tcp(Client, 40002, TcpFlags.Syn), T0 + 12_000);

        Assert.Equal(MacA, MacAddress.Read(again));
    }

    [Theory]
    [InlineData(0xFFFFFF00u, "198.18.2.77", 'A')] // same /24 as Client: the same template
    [InlineData(0xFFFFFFFFu, "198.18.2.77", 'B')] // host mask: a template of its own
    [InlineData(0xFFFFFF00u, "198.18.3.10", 'B')] // another /24
    [InlineData(0xFF00FF00u, "198.77.2.200", 'A')] // non-contiguous masks apply as given
    public void Process_Netmask_GroupsClientsOfOneNetwork(uint mask, string secondClient, char expected)
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300, maskV4: mask));
        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);                // Client (198.18.2.10) → A

        var (_, output) = lab.Run(Tcp(InetAddress.Parse(secondClient), 40000, TcpFlags.Syn), T0);

        Assert.Equal(expected == 'A' ? MacA : MacB, MacAddress.Read(output));
    }

    [Theory]
    [InlineData(64, "fd00:198:18:2::99", true)]
    [InlineData(128, "fd00:198:18:2::99", false)]
    [InlineData(48, "fd00:198:18:7::1", true)]
    [InlineData(64, "fd00:198:18:7::1", false)]
    public void Process_Ipv6Prefix_GroupsClientsOfOnePrefix(int prefix, string secondClient, bool shared)
    {
        var lab = new PipelineLab();
        var a6 = WithHop(new RealServer(InetAddress.Parse("fd00:198:18:1::1"), 80, ForwardingMethod.DirectRouting, 1), MacA);
        var b6 = WithHop(new RealServer(InetAddress.Parse("fd00:198:18:1::2"), 80, ForwardingMethod.DirectRouting, 1), MacB);
        var servers = ImmutableArray.Create(a6, b6);
        var service = new VirtualService(
            new ServiceKey(IpProtocols.Tcp, Vip6, 80), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers,
            ServiceFlags.Persistent, 300, prefix);
        Publish(lab, service);
        lab.Run(Tcp6(Client6, 40000), T0);                             // → A6

        var (_, output) = lab.Run(Tcp6(InetAddress.Parse(secondClient), 40000), T0);

        Assert.Equal(shared ? MacA : MacB, MacAddress.Read(output));
    }

    [Fact]
    public void Process_TemplateServerDeleted_TemplateInvalidatedAndClientRescheduled()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300));
        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);                // → A

        lab.A.Available = false;
        var (packet, output) = lab.Run(Tcp(Client, 40001, TcpFlags.Syn), T0);

        Assert.Equal(Verdict.Transmit, packet.Verdict);
        Assert.Equal(MacB, MacAddress.Read(output));
        var list = new List<ConnectionInfo>();
        lab.Connections.Snapshot(list, T0);
        // The old template stays listed under port 65535 until its timer runs out (ip_vs_check_template).
        Assert.Contains(list, c => c.IsTemplate && c.VirtualPort == 0xFFFF && c.DestinationAddress == lab.A.Address);
    }

    [Theory]
    [InlineData(0, 'A')] // a quiesced server keeps its persistent clients
    [InlineData(1, 'B')] // expire_quiescent_template: the template goes when next consulted
    public void Process_TemplateServerWeightZero_FollowsExpireQuiescentTemplate(int expireQuiescent, char expected)
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300), IpvsTunables.Default with { ExpireQuiescentTemplate = expireQuiescent });
        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);                // → A

        lab.A.Weight = 0;
        var (_, output) = lab.Run(Tcp(Client, 40001, TcpFlags.Syn), T0);

        Assert.Equal(expected == 'A' ? MacA : MacB, MacAddress.Read(output));
    }

    [Fact]
    public void Process_PortZeroPersistentService_OneTemplateAcrossPorts()
    {
        var lab = new PipelineLab();
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 0), 300));

        var (first, a) = lab.Run(FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 8080, TcpFlags.Syn), T0);
        var (_, b) = lab.Run(FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40001, Vip, 9090, TcpFlags.Syn), T0);

        Assert.Equal(Verdict.Transmit, first.Verdict);
        Assert.Equal((MacA, MacA), (MacAddress.Read(a), MacAddress.Read(b)));
        var list = new List<ConnectionInfo>();
        lab.Connections.Snapshot(list, T0);
        var template = Assert.Single(list, c => c.IsTemplate);
        Assert.Equal(((ushort)0, (ushort)0), (template.VirtualPort, template.DestinationPort));
        Assert.Contains(list, c => !c.IsTemplate && c.VirtualPort == 9090 && c.DestinationPort == 80);
    }

    [Fact]
    public void Process_PortZeroServiceNotPersistent_DroppedWithReason()
    {
        var lab = new PipelineLab();
        var servers = ImmutableArray.Create(lab.A);
        Publish(lab, new VirtualService(
            new ServiceKey(IpProtocols.Tcp, Vip, 0), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers));

        var (packet, _) = lab.Run(FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 8080, TcpFlags.Syn), T0);

        Assert.Equal((Verdict.Drop, DropReason.PortZeroNotPersistent), (packet.Verdict, packet.Reason));
    }

    [Fact]
    public void Process_PersistentNoServer_PortUnreachableWithoutTemplate()
    {
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        lab.B.Weight = 0;
        Publish(lab, Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300));

        var (packet, _) = lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);

        Assert.Equal(Verdict.Transmit, packet.Verdict);
        Assert.Equal((1, 1), (lab.Counters.Dropped(DropReason.NoRealServer), lab.Counters.IcmpErrors));
        Assert.Equal(0, lab.Connections.Count);
    }

    internal static VirtualService Persistent(PipelineLab lab, ServiceKey key, int timeoutSeconds, uint maskV4 = 0xFFFFFFFF, ServiceFlags extra = ServiceFlags.None)
    {
        var servers = ImmutableArray.Create(lab.A, lab.B);
        return new VirtualService(
            key, SchedulerNames.RoundRobin, SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers,
            ServiceFlags.Persistent | extra, timeoutSeconds, 32, persistenceNetmaskV4: maskV4);
    }

    internal static void Publish(PipelineLab lab, VirtualService service, IpvsTunables? tunables = null, FirewallMarkClassifier? marks = null) =>
        lab.Holder.Publish(new ServiceTable([service], lab.Holder.Current.ArpAnswers, tunables, marks));

    /// <summary>ACK (ESTABLISHED) then RST: CLOSE, whose timeout is 10 s (an RST in SYN_RECV keeps SYN_RECV).</summary>
    private static void Close(PipelineLab lab, ushort port, long nowMs)
    {
        lab.Run(Tcp(Client, port, TcpFlags.Ack), nowMs);
        lab.Run(Tcp(Client, port, TcpFlags.Rst), nowMs);
    }

    private static byte[] Tcp6(InetAddress client, ushort port) =>
        FrameBuilder.Tcp(DirectorMac, ClientMac, client, port, Vip6, 80, TcpFlags.Syn);
}
