using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>Several packets through one director: connections, scheduling, real-server changes.</summary>
public class PacketProcessorScenarioTests
{
    private const long T0 = 1_000_000;

    [Fact]
    public void Process_SynThenData_SameConnectionSameRealServer()
    {
        var lab = new PipelineLab();

        var (syn, synOut) = lab.Run(Syn(40000), T0);
        var (data, dataOut) = lab.Run(Data(40000), T0 + 10);

        Assert.Equal((Verdict.Transmit, Verdict.Transmit), (syn.Verdict, data.Verdict));
        Assert.Equal(Convert.ToHexString(Syn(40000, MacA, DirectorEgressMac)), Convert.ToHexString(synOut));
        Assert.Equal(Convert.ToHexString(Data(40000, MacA, DirectorEgressMac)), Convert.ToHexString(dataOut));
        Assert.Equal(1, lab.Connections.Count);
        Assert.Equal(TcpState.Established, lab.Connections[lab.Connections.Lookup(Flow(Client, 40000))].State);
    }

    [Fact]
    public void Process_TwoClients_RoundRobinAlternates()
    {
        var lab = new PipelineLab();

        var (_, first) = lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);
        var (_, second) = lab.Run(Tcp(Client2, 40000, TcpFlags.Syn), T0);
        var (_, third) = lab.Run(Tcp(Client, 40001, TcpFlags.Syn), T0);
        var (_, firstAgain) = lab.Run(Tcp(Client, 40000, TcpFlags.Ack), T0);

        Assert.Equal(MacA, MacAddress.Read(first));
        Assert.Equal(MacB, MacAddress.Read(second));
        Assert.Equal(MacA, MacAddress.Read(third));
        Assert.Equal(MacA, MacAddress.Read(firstAgain));
    }

    [Fact]
    public void Process_WeightZero_NoNewConnectionsButExistingContinue()
    {
        var lab = new PipelineLab();
        lab.Run(Syn(40000), T0); // → A

        lab.A.Weight = 0;
        lab.SetWebServers(lab.A, lab.B);
        var (_, existing) = lab.Run(Data(40000), T0);
        var (_, fresh1) = lab.Run(Tcp(Client2, 1, TcpFlags.Syn), T0);
        var (_, fresh2) = lab.Run(Tcp(Client2, 2, TcpFlags.Syn), T0);

        Assert.Equal(MacA, MacAddress.Read(existing));
        Assert.Equal(MacB, MacAddress.Read(fresh1));
        Assert.Equal(MacB, MacAddress.Read(fresh2));
    }

    [Fact]
    public void Process_AllWeightsZero_NewConnectionAnsweredPortUnreachable()
    {
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        lab.B.Weight = 0;

        var (packet, _) = lab.Run(Syn(40000), T0);

        // ip_vs_leave: the SYN goes nowhere (counted), its frame goes back as the ICMP error.
        Assert.Equal((Verdict.Transmit, IngressIf), (packet.Verdict, packet.EgressIfIndex));
        Assert.Equal((1, 1), (lab.Counters.Dropped(DropReason.NoRealServer), lab.Counters.IcmpErrors));
        Assert.Equal(0, lab.Connections.Count);
    }

    [Fact]
    public void Process_RealServerDeleted_ItsConnectionsPacketsDropped()
    {
        var lab = new PipelineLab();
        lab.Run(Syn(40000), T0); // → A

        lab.A.Available = false;
        lab.SetWebServers(lab.B);
        var (packet, _) = lab.Run(Data(40000), T0);
        var (fresh, freshOut) = lab.Run(Tcp(Client2, 1, TcpFlags.Syn), T0);

        Assert.Equal((Verdict.Drop, DropReason.RealServerUnavailable), (packet.Verdict, packet.Reason));
        Assert.Equal(Verdict.Transmit, fresh.Verdict);
        Assert.Equal(MacB, MacAddress.Read(freshOut));
    }

    [Fact]
    public void Process_NextHopUnresolved_DroppedNoNextHop()
    {
        var lab = new PipelineLab();
        lab.A.NextHop = null;

        var (packet, output) = lab.Run(Syn(40000), T0);

        Assert.Equal((Verdict.Drop, DropReason.NoNextHop), (packet.Verdict, packet.Reason));
        Assert.Equal(Convert.ToHexString(Syn(40000)), Convert.ToHexString(output));
    }

    [Fact]
    public void Process_FrameLargerThanNextHopMtu_DroppedFrameTooLarge()
    {
        var lab = new PipelineLab();
        lab.A.NextHop = lab.A.NextHop! with { Mtu = 40 };

        var (syn, _) = lab.Run(Syn(40000), T0);
        var (data, _) = lab.Run(Data(40000), T0);

        Assert.Equal(Verdict.Transmit, syn.Verdict); // 40 bytes of IP fit
        Assert.Equal((Verdict.Drop, DropReason.FrameTooLarge), (data.Verdict, data.Reason));
    }

    [Fact]
    public void Process_SynReusingPortsOfTimeWaitConnection_IsScheduledAfresh()
    {
        var lab = new PipelineLab();
        lab.Run(Syn(40000), T0);                                  // → A, SYN_RECV
        lab.Run(Tcp(Client, 40000, TcpFlags.Ack), T0);           // ESTABLISHED
        lab.Run(Tcp(Client, 40000, TcpFlags.Fin | TcpFlags.Ack), T0); // FIN_WAIT
        lab.Run(Tcp(Client, 40000, TcpFlags.Rst), T0);           // CLOSE

        var (again, output) = lab.Run(Syn(40000), T0 + 1000);

        Assert.Equal(Verdict.Transmit, again.Verdict);
        Assert.Equal(MacB, MacAddress.Read(output));
        Assert.Equal(1, lab.Connections.Count);
        Assert.Equal((0, 0), (lab.A.ActiveConnections, lab.A.InactiveConnections));
        Assert.Equal((1, 0), (lab.B.ActiveConnections, lab.B.InactiveConnections));
    }

    [Fact]
    public void Process_ConnectionTableFull_NewConnectionDropped()
    {
        var lab = new PipelineLab(connectionCapacity: 1);
        lab.Run(Syn(40000), T0);

        var (packet, _) = lab.Run(Syn(40001), T0);

        Assert.Equal((Verdict.Drop, DropReason.ConnectionTableFull), (packet.Verdict, packet.Reason));
    }

    [Fact]
    public void Process_LocalRealServer_DroppedWithoutForwarder()
    {
        var lab = new PipelineLab();
        var local = WithHop(new RealServer(InetAddress.Parse("198.18.1.9"), 8080, ForwardingMethod.Local, 1), MacA);
        lab.SetWebServers(local);

        var (packet, _) = lab.Run(Syn(40000), T0);

        Assert.Equal((Verdict.Drop, DropReason.ForwardingMethodNotSupported), (packet.Verdict, packet.Reason));
        Assert.Equal(0, lab.Connections.Count);
    }

    [Fact]
    public void Process_Stats_CountConnectionsPacketsAndIpBytesInOnly()
    {
        var lab = new PipelineLab();
        var syn = Syn(40000);
        var data = Data(40000);

        lab.Run(syn, T0);
        lab.Run(data, T0);

        var ipBytes = syn.Length - 14 + data.Length - 14;
        Assert.Equal((1, 2, ipBytes, 0, 0), (lab.A.Stats.Connections, lab.A.Stats.InPackets, lab.A.Stats.InBytes, lab.A.Stats.OutPackets, lab.A.Stats.OutBytes));
        Assert.Equal((1, 2, ipBytes), (lab.Web.Stats.Connections, lab.Web.Stats.InPackets, lab.Web.Stats.InBytes));
        Assert.Equal((1, 2, ipBytes), (lab.Counters.Totals.Connections, lab.Counters.Totals.InPackets, lab.Counters.Totals.InBytes));
        Assert.Equal(0, lab.B.Stats.InPackets);
    }

    [Fact]
    public void Process_ActiveCounts_FollowTheConnection()
    {
        var lab = new PipelineLab();

        lab.Run(Syn(40000), T0);
        Assert.Equal((1, 0), (lab.A.ActiveConnections, lab.A.InactiveConnections));
        lab.Run(Tcp(Client, 40000, TcpFlags.Fin | TcpFlags.Ack), T0);
        Assert.Equal((0, 1), (lab.A.ActiveConnections, lab.A.InactiveConnections));

        lab.Connections.Expire(T0 + 121_000);
        Assert.Equal((0, 0), (lab.A.ActiveConnections, lab.A.InactiveConnections));
    }

    [Fact]
    public void ReadAll_NamesEveryCounter()
    {
        var lab = new PipelineLab();
        lab.Run(Tcp(Client, 40000, TcpFlags.Ack), T0);

        var all = lab.Counters.ReadAll().ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(1, all["Verdict.Drop"]);
        Assert.Equal(1, all["Drop.NoConnection"]);
        Assert.Equal(0, all["Drop.ShortFrame"]);
        Assert.Equal(0, all["ArpReplies"]);
        Assert.DoesNotContain("Drop.None", all.Keys);
    }

    private static FlowKey Flow(InetAddress client, ushort port) => new(IpProtocols.Tcp, client, port, Vip, 80);
}
