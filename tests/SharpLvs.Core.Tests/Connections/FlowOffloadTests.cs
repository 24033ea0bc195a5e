using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Connections;

/// <summary>
/// The connection table's side of lvsd --fast-path: a DR connection is offered once the
/// kernel's INPUT_ONLY state table would leave it alone on ACK and data (TCP ESTABLISHED, UDP
/// at once), withdrawn when it leaves that state or goes, and its timer follows the offload's
/// last-seen time, as IPVS times a connection out after its last packet.
/// </summary>
public class FlowOffloadTests
{
    private const long T0 = 1_000_000;
    private static readonly FlowKey WebFlow = new(IpProtocols.Tcp, Client, 40000, Vip, 80);
    private static readonly FlowKey DnsFlow = new(IpProtocols.Udp, Client, 40000, Vip, 53);

    [Fact]
    public void Process_TcpHandshakeDataAndFin_OfferedAtEstablishedOnceWithdrawnAtFin()
    {
        var (lab, offload) = Lab();

        lab.Run(Tcp(Client, 40000, TcpFlags.Syn), T0);
        Assert.Empty(offload.Offered);
        lab.Run(Tcp(Client, 40000, TcpFlags.Ack), T0 + 1);
        lab.Run(Data(40000), T0 + 2);

        Assert.Equal([WebFlow], offload.Offered);
        Assert.Same(lab.Connections[lab.Connections.Lookup(WebFlow)].Server, offload.Servers[0]);
        Assert.True(offload.Flows.ContainsKey(WebFlow));

        lab.Run(Tcp(Client, 40000, TcpFlags.Fin | TcpFlags.Ack), T0 + 3);

        Assert.False(offload.Flows.ContainsKey(WebFlow));
        Assert.Equal(1, offload.Withdrawals);
    }

    [Fact]
    public void Process_UdpDatagram_OfferedAtCreation()
    {
        var (lab, offload) = Lab();

        lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 40000, Vip, 53, "q"u8), T0);

        Assert.Equal([DnsFlow], offload.Offered);
    }

    [Fact]
    public void Add_NatConnection_NeverOffered()
    {
        var table = new ConnectionTable(16);
        var offload = new FakeFlowOffload();
        table.FlowOffload = offload;
        var index = table.Add(DnsFlow, Server('A'), StubForwarder.Masquerade, new IpvsStats(), T0);

        table.UpdateOffload(index);

        Assert.Empty(offload.Offered);
    }

    [Fact]
    public void UpdateOffload_ServerDeleted_NotOffered()
    {
        var table = new ConnectionTable(16);
        var offload = new FakeFlowOffload();
        table.FlowOffload = offload;
        var server = Server('A');
        server.Available = false;
        var index = table.Add(DnsFlow, server, StubForwarder.DirectRouting, new IpvsStats(), T0);

        table.UpdateOffload(index);

        Assert.Empty(offload.Offered);
    }

    [Fact]
    public void Expire_OffloadedFlowSeenSince_RearmedForTheRestOfItsTimeout()
    {
        var (lab, offload) = Lab();
        lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 40000, Vip, 53, "q"u8), T0);
        var udpMs = lab.Connections.Timeouts.UdpMilliseconds;

        // The fast path carried a datagram 200 s later; lvsd's own timer ran out at T0 + 300 s.
        offload.Flows[DnsFlow] = T0 + 200_000;
        Assert.Equal(0, lab.Connections.Expire(T0 + udpMs + 1000));
        Assert.Equal(1, lab.Connections.Count);
        var listed = new List<ConnectionInfo>();
        lab.Connections.Snapshot(listed, T0 + udpMs + 1000);
        Assert.Equal(T0 + 200_000 + udpMs - (T0 + udpMs + 1000), listed[0].ExpiresInMs);

        // Idle since: expires a timeout after that last packet, and leaves the offload.
        Assert.Equal(1, lab.Connections.Expire(T0 + 200_000 + udpMs + 1000));
        Assert.Equal(0, lab.Connections.Count);
        Assert.False(offload.Flows.ContainsKey(DnsFlow));
    }

    [Fact]
    public void Save_OffloadedFlowSeenSince_SavesTheTimeLeftAfterItsLastPacket()
    {
        var (lab, offload) = Lab();
        lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 40000, Vip, 53, "q"u8), T0);
        var udpMs = lab.Connections.Timeouts.UdpMilliseconds;
        offload.Flows[DnsFlow] = T0 + 100_000;

        var saved = new List<SavedConnection>();
        Assert.Equal(0, lab.Connections.Save(saved, lab.Holder.Current, T0 + 150_000));

        Assert.Equal(T0 + 100_000 + udpMs - (T0 + 150_000), Assert.Single(saved).RemainingMs);
    }

    [Fact]
    public void Expire_OffloadedFlowIdle_ExpiresOnTime()
    {
        var (lab, offload) = Lab();
        lab.Run(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 40000, Vip, 53, "q"u8), T0);

        Assert.Equal(1, lab.Connections.Expire(T0 + lab.Connections.Timeouts.UdpMilliseconds + 1000));
        Assert.Equal(1, offload.Withdrawals);
    }

    [Fact]
    public void Process_WithAnOffload_AllocatesNothing()
    {
        var (lab, _) = Lab();
        var warmUp = Frames(1000);
        var measured = Frames(2000);
        Process(lab, warmUp, T0);
        lab.Connections.Expire(T0 + 400_000);

        // Offers at ESTABLISHED and for UDP, withdrawals at FIN and at expiry.
        var before = GC.GetAllocatedBytesForCurrentThread();
        Process(lab, measured, T0 + 400_000);
        lab.Connections.Expire(T0 + 800_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        foreach (var frame in warmUp.Concat(measured))
        {
            frame.Dispose();
        }
    }

    private static PinnedFrame[] Frames(ushort firstPort) =>
        Enumerable.Range(firstPort, 10).SelectMany(port => (byte[][])[
            Tcp(Client, (ushort)port, TcpFlags.Syn), Tcp(Client, (ushort)port, TcpFlags.Ack), Tcp(Client, (ushort)port, TcpFlags.Fin | TcpFlags.Ack),
            FrameBuilder.Udp(DirectorMac, ClientMac, Client, (ushort)port, Vip, 53, "q"u8)]).Select(f => new PinnedFrame(f)).ToArray();

    private static void Process(PipelineLab lab, PinnedFrame[] frames, long nowMs)
    {
        foreach (var frame in frames)
        {
            var packet = frame.Descriptor(IngressIf);
            lab.Processor.Process(ref packet, nowMs);
        }
    }

    private static (PipelineLab Lab, FakeFlowOffload Offload) Lab()
    {
        var lab = new PipelineLab();
        var offload = new FakeFlowOffload();
        lab.Connections.FlowOffload = offload;
        return (lab, offload);
    }

    /// <summary>Records what the table hands down; the test plays the XDP program by setting last-seen times.</summary>
    private sealed class FakeFlowOffload : IFlowOffload
    {
        public List<FlowKey> Offered { get; } = new(64);

        public List<RealServer> Servers { get; } = new(64);

        public Dictionary<FlowKey, long> Flows { get; } = new(64);

        public int Withdrawals { get; private set; }

        public bool Offer(in FlowKey flow, RealServer server, IpvsStats serviceStats)
        {
            if (Offered.Count < Offered.Capacity)
            {
                Offered.Add(flow);
                Servers.Add(server);
            }

            Flows[flow] = 0;
            return true;
        }

        public void Withdraw(in FlowKey flow, RealServer server)
        {
            Flows.Remove(flow);
            Withdrawals++;
        }

        public bool TryGetLastSeen(in FlowKey flow, out long lastSeenMs) =>
            Flows.TryGetValue(flow, out lastSeenMs) && lastSeenMs != 0;

        public void Poll(long nowMs, IpvsStats totals)
        {
        }
    }
}
