using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>Each /proc/sys/net/ipv4/vs switch's effect on ip_vs_in, as the kernel documents and codes it.</summary>
public class TunablesTests
{
    private const long T0 = 1_000_000;

    [Fact]
    public void Default_MatchesTheKernelsDefaults()
    {
        var d = IpvsTunables.Default;

        Assert.Equal((0, 0, 0, 1, 0), (d.ExpireNodestConn, d.ExpireQuiescentTemplate, d.SloppyTcp, d.ConnReuseMode, d.ScheduleIcmp));
        Assert.All(IpvsTunables.Names, name => Assert.True(d.TryGet(name, out _)));
        Assert.False(d.TryGet("am_droprate", out _));
        Assert.Null(d.With("nope", 1));
    }

    [Fact]
    public void Process_ServerDeletedWithExpireNodestConn_ConnectionExpiresAndSynIsRescheduled()
    {
        var lab = Lab(IpvsTunables.Default with { ExpireNodestConn = 1 });
        lab.Run(Syn(40000), T0);                                       // → A
        lab.A.Available = false;
        lab.SetWebServers(lab.B);
        Retune(lab, IpvsTunables.Default with { ExpireNodestConn = 1 });

        var (data, _) = lab.Run(Data(40000), T0);                      // expired, not a SYN: nothing to schedule
        var (syn, output) = lab.Run(Syn(40000), T0);

        Assert.Equal((Verdict.Drop, DropReason.NoConnection), (data.Verdict, data.Reason));
        Assert.Equal(Verdict.Transmit, syn.Verdict);
        Assert.Equal(MacB, MacAddress.Read(output));
        Assert.Equal((0, 0), (lab.A.ActiveConnections, lab.A.InactiveConnections));
    }

    [Fact]
    public void Process_ServerDeletedWithoutExpireNodestConn_PacketsDroppedConnectionKept()
    {
        var lab = Lab(IpvsTunables.Default);
        lab.Run(Syn(40000), T0);
        lab.A.Available = false;

        var (syn, _) = lab.Run(Syn(40000), T0);

        Assert.Equal((Verdict.Drop, DropReason.RealServerUnavailable), (syn.Verdict, syn.Reason));
        Assert.Equal(1, lab.Connections.Count);
    }

    [Theory]
    [InlineData(0, 'A')]
    [InlineData(1, 'B')]
    public void Process_SynOnConnectionOfQuiescedServer_ReschedulesOnlyWithExpireNodestConn(int expireNodest, char expected)
    {
        var lab = Lab(IpvsTunables.Default with { ExpireNodestConn = expireNodest });
        lab.Run(Syn(40000), T0);                                       // → A, SYN_RECV
        lab.A.Weight = 0;

        var (_, output) = lab.Run(Syn(40000), T0);                     // a retransmitted SYN

        Assert.Equal(expected == 'A' ? MacA : MacB, MacAddress.Read(output));
    }

    [Theory]
    [InlineData(0, Verdict.Drop)]
    [InlineData(1, Verdict.Transmit)]
    public void Process_AckWithoutConnection_ScheduledOnlyWithSloppyTcp(int sloppy, Verdict expected)
    {
        var lab = Lab(IpvsTunables.Default with { SloppyTcp = sloppy });

        var (packet, _) = lab.Run(Data(40000), T0);

        Assert.Equal(expected, packet.Verdict);
        Assert.Equal(sloppy, lab.Connections.Count);
    }

    [Fact]
    public void Process_RstWithoutConnectionWithSloppyTcp_NeverScheduled()
    {
        var lab = Lab(IpvsTunables.Default with { SloppyTcp = 1 });

        var (packet, _) = lab.Run(Tcp(Client, 40000, TcpFlags.Rst), T0);

        Assert.Equal((Verdict.Drop, DropReason.NoConnection), (packet.Verdict, packet.Reason));
    }

    [Theory]
    [InlineData(1, 'B')] // CLOSE: rescheduled
    [InlineData(0, 'A')] // conn_reuse_mode off: the SYN rides the old connection
    public void Process_SynReusingClosedConnection_FollowsConnReuseMode(int mode, char expected)
    {
        var lab = Lab(IpvsTunables.Default with { ConnReuseMode = mode });
        lab.Run(Syn(40000), T0);
        lab.Run(Tcp(Client, 40000, TcpFlags.Ack), T0);
        lab.Run(Tcp(Client, 40000, TcpFlags.Rst), T0);                 // CLOSE

        var (_, output) = lab.Run(Syn(40000), T0 + 1000);

        Assert.Equal(expected == 'A' ? MacA : MacB, MacAddress.Read(output));
    }

    [Theory]
    [InlineData(1, 'A')] // FIN_WAIT is not reused by default
    [InlineData(3, 'B')] // bit 1: FIN_WAIT without a reply seen (DR) is reused
    public void Process_SynReusingFinWaitDrConnection_FollowsConnReuseModeBit1(int mode, char expected)
    {
        var lab = Lab(IpvsTunables.Default with { ConnReuseMode = mode });
        lab.Run(Syn(40000), T0);
        lab.Run(Tcp(Client, 40000, TcpFlags.Ack), T0);
        lab.Run(Tcp(Client, 40000, TcpFlags.Fin | TcpFlags.Ack), T0);   // FIN_WAIT, no output seen

        var (_, output) = lab.Run(Syn(40000), T0 + 1000);

        Assert.Equal(expected == 'A' ? MacA : MacB, MacAddress.Read(output));
    }

    private static PipelineLab Lab(IpvsTunables tunables)
    {
        var lab = new PipelineLab();
        Retune(lab, tunables);
        return lab;
    }

    private static void Retune(PipelineLab lab, IpvsTunables tunables) =>
        lab.Holder.Publish(new ServiceTable(lab.Holder.Current.Services, lab.Holder.Current.ArpAnswers, tunables));
}
