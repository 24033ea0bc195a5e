using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.NatLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// NAT and FULLNAT, table-driven: each case is a few frames fed in order to a fresh
/// <see cref="NatLab"/>, each with its expected output frame (built from scratch by
/// <see cref="FrameBuilder"/>, so the checksums are computed independently of the rewriter),
/// verdict and reason. Every transmitted frame's checksums are verified as well.
/// </summary>
public class NatFixtureTests
{
    private const int Transport = 34;

    private static readonly NatCase[] Cases =
    [
        new("NAT: SYN to VIP:80 goes to RIP:8080 (port mapping), TTL kept (LOCAL_IN → LOCAL_OUT)",
            [new(In(40000, TcpFlags.Syn), ClientIf,
                FrameBuilder.Tcp(Mac1, DirectorLanMac, Client, 40000, Rip1, 8080, TcpFlags.Syn, seq: 1000), Verdict.Transmit, Egress: ServerIf)]),
        new("NAT: the real server's SYN-ACK leaves from VIP:80 toward the client's router, TTL lowered",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Reply(Mac1, Rip1, 8080, Client, 40000, TcpFlags.Syn | TcpFlags.Ack), ServerIf,
                ToClient(80, 40000, TcpFlags.Syn | TcpFlags.Ack), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT: data both ways keeps the mapping",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(In(40001, TcpFlags.Syn), ClientIf,
                FrameBuilder.Tcp(Mac2, DirectorLanMac, Client, 40001, Rip2, 8080, TcpFlags.Syn, seq: 1000), Verdict.Transmit, Egress: ServerIf),
             new(In(40001, TcpFlags.Ack | TcpFlags.Psh, payload: "GET /\r\n"u8), ClientIf,
                FrameBuilder.Tcp(Mac2, DirectorLanMac, Client, 40001, Rip2, 8080, TcpFlags.Ack | TcpFlags.Psh, "GET /\r\n"u8, seq: 1000, ack: 5001),
                Verdict.Transmit, Egress: ServerIf),
             new(Reply(Mac2, Rip2, 8080, Client, 40001, TcpFlags.Ack | TcpFlags.Psh, "hello"u8), ServerIf,
                ToClient(80, 40001, TcpFlags.Ack | TcpFlags.Psh, "hello"u8), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT: a packet from RIP:8080 without a connection never leaves un-NATed",
            [new(Reply(Mac1, Rip1, 8080, Client, 40000, TcpFlags.Syn | TcpFlags.Ack), ServerIf, null, Verdict.Drop, DropReason.NoReplyConnection)]),
        new("NAT: the real server's own traffic on another port is the host's to route",
            [new(Reply(Mac1, Rip1, 33000, InetAddress.Parse("198.19.0.53"), 53, TcpFlags.Syn), ServerIf, null, Verdict.PassToKernel)]),
        new("NAT: ICMP from a real server is the host's",
            [new(FrameBuilder.IcmpEcho(DirectorLanMac, Mac1, Rip1, Client, 1, 1), ServerIf, null, Verdict.PassToKernel)]),
        new("NAT: a reply with TTL 1 would expire in the director's hop",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Reply(Mac1, Rip1, 8080, Client, 40000, TcpFlags.Syn | TcpFlags.Ack, ttl: 1), ServerIf, null, Verdict.Drop, DropReason.TtlExceeded)]),
        new("NAT: UDP to VIP:53 goes to RIP:5353 and the answer comes back from VIP:53",
            [new(FrameBuilder.Udp(DirectorMac, RouterMac, Client, 33333, Vip, 53, "query"u8), ClientIf,
                FrameBuilder.Udp(Mac1, DirectorLanMac, Client, 33333, Rip1, 5353, "query"u8), Verdict.Transmit, Egress: ServerIf),
             new(FrameBuilder.Udp(DirectorLanMac, Mac1, Rip1, 5353, Client, 33333, "answer"u8), ServerIf,
                FrameBuilder.Udp(RouterMac, DirectorMac, Vip, 53, Client, 33333, "answer"u8, ttl: 63), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT: a UDP answer without checksum (0, IPv4) keeps none",
            [new(FrameBuilder.Udp(DirectorMac, RouterMac, Client, 33333, Vip, 53, "query"u8), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(NoUdpChecksum(FrameBuilder.Udp(DirectorLanMac, Mac1, Rip1, 5353, Client, 33333, "answer"u8)), ServerIf,
                NoUdpChecksum(FrameBuilder.Udp(RouterMac, DirectorMac, Vip, 53, Client, 33333, "answer"u8, ttl: 63)), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT: a CHECKSUM_PARTIAL SYN has its pseudo-header sum moved, then is completed",
            [new(Partial(In(40000, TcpFlags.Syn)), ClientIf,
                FrameBuilder.Tcp(Mac1, DirectorLanMac, Client, 40000, Rip1, 8080, TcpFlags.Syn, seq: 1000), Verdict.Transmit, Egress: ServerIf,
                Adjust: (ref PacketDescriptor d) => (d.NeedsChecksum, d.ChecksumStart, d.ChecksumOffset) = (true, Transport, 16))]),
        new("NAT: a CHECKSUM_PARTIAL GSO reply keeps a partial sum valid for its new addresses",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Partial(Reply(Mac1, Rip1, 8080, Client, 40000, TcpFlags.Ack, "data"u8)), ServerIf,
                Partial(ToClient(80, 40000, TcpFlags.Ack, "data"u8)), Verdict.Transmit, Egress: ClientIf,
                Adjust: (ref PacketDescriptor d) => (d.NeedsChecksum, d.ChecksumStart, d.ChecksumOffset, d.Gso, d.GsoSize) = (true, Transport, 16, GsoType.TcpV4, 1448))]),
        new("NAT: IPv6, the same rewrite without a header checksum, hop limit lowered on the reply",
            [new(FrameBuilder.Tcp(DirectorMac, RouterMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, seq: 1000), ClientIf,
                FrameBuilder.Tcp(Mac1, DirectorLanMac, Client6, 40000, Rip6, 8080, TcpFlags.Syn, seq: 1000), Verdict.Transmit, Egress: ServerIf),
             new(FrameBuilder.Tcp(DirectorLanMac, Mac1, Rip6, 8080, Client6, 40000, TcpFlags.Syn | TcpFlags.Ack, seq: 5000, ack: 1001), ServerIf,
                FrameBuilder.Tcp(RouterMac, DirectorMac, Vip6, 80, Client6, 40000, TcpFlags.Syn | TcpFlags.Ack, seq: 5000, ack: 1001, ttl: 63),
                Verdict.Transmit, Egress: ClientIf)]),
        new("FULLNAT: SYN to VIP:81 leaves as LIP:5000 → RIP:8081",
            [new(In(40000, TcpFlags.Syn, vport: 81), ClientIf,
                FrameBuilder.Tcp(Mac1, DirectorLanMac, Lip, 5000, Rip1, 8081, TcpFlags.Syn, seq: 1000), Verdict.Transmit, Egress: ServerIf)]),
        new("FULLNAT: the reply to LIP:5000 leaves as VIP:81 → CIP:40000",
            [new(In(40000, TcpFlags.Syn, vport: 81), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Reply(Mac1, Rip1, 8081, Lip, 5000, TcpFlags.Syn | TcpFlags.Ack), ServerIf,
                ToClient(81, 40000, TcpFlags.Syn | TcpFlags.Ack), Verdict.Transmit, Egress: ClientIf)]),
        new("FULLNAT: a second client takes the next local port",
            [new(In(40000, TcpFlags.Syn, vport: 81), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(In(40001, TcpFlags.Syn, vport: 81), ClientIf,
                FrameBuilder.Tcp(Mac1, DirectorLanMac, Lip, 5001, Rip1, 8081, TcpFlags.Syn, seq: 1000), Verdict.Transmit, Egress: ServerIf)]),
        new("FULLNAT: with every local port held, a new connection is dropped and counted",
            [new(In(40000, TcpFlags.Syn, vport: 81), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(In(40001, TcpFlags.Syn, vport: 81), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(In(40002, TcpFlags.Syn, vport: 81), ClientIf, null, Verdict.Drop, DropReason.LocalPortsExhausted)]),
        new("FULLNAT: a packet to a LIP port without a connection is dropped",
            [new(Reply(Mac1, Rip1, 8081, Lip, 5000, TcpFlags.Ack), ServerIf, null, Verdict.Drop, DropReason.NoReplyConnection)]),
    ];

    public static TheoryData<string> Descriptions => new(Cases.Select(c => c.Description));

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Process_NatCase_GivesExpectedFramesAndVerdicts(string description)
    {
        var lab = new NatLab();
        var steps = Cases.Single(c => c.Description == description).Steps;
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            var (packet, output) = lab.Run(step.Input, step.Ingress, items => step.Adjust?.Invoke(ref items[0]));

            Assert.True(step.Verdict == packet.Verdict, $"step {i + 1}: verdict {packet.Verdict} ({packet.Reason}), expected {step.Verdict}");
            Assert.Equal(step.Reason, packet.Reason);
            Assert.Equal(step.Egress, packet.EgressIfIndex);
            if (step.Expected is not null || step.Verdict != Verdict.Transmit)
            {
                Assert.Equal(Convert.ToHexString(step.Expected ?? step.Input), Convert.ToHexString(output));
            }

            if (step.Verdict == Verdict.Transmit && !packet.NeedsChecksum)
            {
                AssertChecksumsValid(output);
            }
        }
    }

    [Fact]
    public void Process_ReplyForUnresolvedClient_DropsAndAsksForTheNextHop()
    {
        var lab = new NatLab(clientHopKnown: false);
        var asked = new List<InetAddress>();

        lab.Run(In(40000, TcpFlags.Syn), ClientIf);
        var (packet, _) = lab.Run(Reply(Mac1, Rip1, 8080, Client, 40000, TcpFlags.Syn | TcpFlags.Ack), ServerIf);
        lab.NextHops.DrainRequests(asked);

        Assert.Equal(Verdict.Drop, packet.Verdict);
        Assert.Equal(DropReason.NoNextHop, packet.Reason);
        Assert.Contains(Client, asked);
    }

    [Fact]
    public void Process_NatReply_CountsOutAndMovesTheStateMachineOutOfInputOnly()
    {
        var lab = new NatLab();

        lab.Run(In(40000, TcpFlags.Syn), ClientIf);
        lab.Run(Reply(Mac1, Rip1, 8080, Client, 40000, TcpFlags.Syn | TcpFlags.Ack), ServerIf);
        lab.Run(In(40000, TcpFlags.Ack), ClientIf);

        Assert.Equal(1, lab.R1.Stats.OutPackets);
        Assert.Equal(2, lab.R1.Stats.InPackets);
        Assert.Equal(1, lab.Counters.Totals.OutPackets);

        // SYN (in) → SYN_RECV, SYN-ACK (out) → SYN_RECV, ACK (in) → ESTABLISHED: the normal
        // table; INPUT_ONLY would have gone there too, but the reply cleared NOOUTPUT first.
        var index = lab.Connections.Lookup(new FlowKey(IpProtocols.Tcp, Client, 40000, Vip, 80));
        Assert.Equal(TcpState.Established, lab.Connections[index].State);
        Assert.Equal(0, (int)(lab.Connections[index].Flags & ConnectionFlags.NoOutput));
        Assert.Equal(1, lab.R1.ActiveConnections);
    }

    [Fact]
    public void Expire_FullNatConnection_GivesItsLocalPortBack()
    {
        var lab = new NatLab();
        lab.Run(In(40000, TcpFlags.Syn, vport: 81), ClientIf, nowMs: 1_000_000);
        lab.Run(In(40001, TcpFlags.Syn, vport: 81), ClientIf, nowMs: 1_000_000);
        Assert.Equal(2, lab.Pool.InUse(IpProtocols.Tcp));

        // SYN_RECV lasts 60 s.
        lab.Connections.Expire(1_000_000 + 61_000);

        Assert.Equal(0, lab.Pool.InUse(IpProtocols.Tcp));
        var (packet, _) = lab.Run(In(40002, TcpFlags.Syn, vport: 81), ClientIf, nowMs: 1_000_000 + 61_000);
        Assert.Equal(Verdict.Transmit, packet.Verdict);
    }

    private static void AssertChecksumsValid(byte[] frame)
    {
        var ip = frame.AsSpan(14);
        if ((ip[0] >> 4) == 4)
        {
            Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(ip, out var v4));
            Assert.True(v4.IsHeaderChecksumValid, "IPv4 header checksum");
            Assert.True(Checksum.VerifyTransport(v4.Payload, v4.Source, v4.Destination, v4.Protocol), "transport checksum");
        }
        else
        {
            Assert.Equal(Ipv6ParseResult.Ok, Ipv6Header.TryParse(ip, out var v6));
            Assert.True(Checksum.VerifyTransport(v6.Payload, v6.Source, v6.Destination, v6.NextHeader), "transport checksum");
        }
    }

    private static byte[] NoUdpChecksum(byte[] frame)
    {
        frame[Transport + 6] = 0;
        frame[Transport + 7] = 0;
        return frame;
    }

    public delegate void Adjuster(ref PacketDescriptor packet);

    public sealed record Step(byte[] Input, int Ingress, byte[]? Expected, Verdict Verdict, DropReason Reason = DropReason.None, int Egress = 0, Adjuster? Adjust = null);

    public sealed record NatCase(string Description, Step[] Steps);
}
