using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.IcmpFrames;
using static SharpLvs.Core.Tests.Pipeline.NatFixtureTests;
using static SharpLvs.Core.Tests.Pipeline.NatLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// ICMP errors of NAT and FULLNAT connections, both directions and both families, table-driven
/// as <see cref="NatFixtureTests"/>: the expected frames are written from the RFCs by
/// <see cref="IcmpFrames"/> with what ip_vs_nat_icmp / ip_vs_nat_icmp_v6 change (outer
/// address, quoted address and port, outer and quoted IPv4 header checksums, ICMP checksum;
/// the quoted transport bytes untouched).
/// </summary>
public class IcmpNatFixtureTests
{
    private static readonly InetAddress ClientRouter = InetAddress.Parse("198.19.0.1");
    private static readonly InetAddress LanRouter = InetAddress.Parse("198.18.1.1");
    private static readonly InetAddress ClientRouter6 = InetAddress.Parse("fd00:198:18:1::1");
    private static readonly MacAddress LanRouterMac = new(0x02_00_00_00_00_1fUL);

    private static readonly byte[] Dns = FrameBuilder.Udp(DirectorMac, RouterMac, Client, 33333, Vip, 53, "query"u8);
    private static readonly byte[] Syn6 = FrameBuilder.Tcp(DirectorMac, RouterMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, seq: 1000);

    private static readonly NatCase[] Cases =
    [
        new("NAT in: fragmentation needed from the client's router about VIP:80 → CIP reaches RIP, quoting RIP:8080 → CIP",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorMac, RouterMac, ClientRouter, Vip, 3, 4, 1400, Quote4(Vip, 80, Client, 40000)), ClientIf,
                Error4(Mac1, DirectorLanMac, ClientRouter, Rip1, 3, 4, 1400, Quote4(Rip1, 8080, Client, 40000)), Verdict.Transmit, Egress: ServerIf)]),
        new("NAT in: the client's port unreachable about VIP:53 → CIP (UDP) reaches RIP:5353",
            [new(Dns, ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorMac, RouterMac, Client, Vip, 3, 3, 0, Quote4(Vip, 53, Client, 33333, IpProtocols.Udp)), ClientIf,
                Error4(Mac1, DirectorLanMac, Client, Rip1, 3, 3, 0, Quote4(Rip1, 5353, Client, 33333, IpProtocols.Udp)), Verdict.Transmit, Egress: ServerIf)]),
        new("NAT in: the second connection's error goes to its own real server",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(In(40001, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorMac, RouterMac, ClientRouter, Vip, 11, 0, 0, Quote4(Vip, 80, Client, 40001)), ClientIf,
                Error4(Mac2, DirectorLanMac, ClientRouter, Rip2, 11, 0, 0, Quote4(Rip2, 8080, Client, 40001)), Verdict.Transmit, Egress: ServerIf)]),
        new("NAT in: an error about a flow without a connection is the host's",
            [new(Error4(DirectorMac, RouterMac, ClientRouter, Vip, 3, 4, 1400, Quote4(Vip, 80, Client, 40000)), ClientIf, null, Verdict.PassToKernel)]),
        new("NAT in: a bad ICMP checksum is dropped",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorMac, RouterMac, ClientRouter, Vip, 3, 4, 1400, Quote4(Vip, 80, Client, 40000), badChecksum: true), ClientIf,
                null, Verdict.Drop, DropReason.BadIcmpChecksum)]),
        new("NAT out: the real server's port unreachable for UDP reaches the client from VIP, quoting CIP → VIP:53",
            [new(Dns, ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorLanMac, Mac1, Rip1, Client, 3, 3, 0, Quote4(Client, 33333, Rip1, 5353, IpProtocols.Udp)), ServerIf,
                Error4(RouterMac, DirectorMac, Vip, Client, 3, 3, 0, Quote4(Client, 33333, Vip, 53, IpProtocols.Udp), ttl: 63), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT out: fragmentation needed from a router on the server LAN reaches the client from VIP",
            [new(In(40000, TcpFlags.Syn), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorLanMac, LanRouterMac, LanRouter, Client, 3, 4, 1280, Quote4(Client, 40000, Rip1, 8080)), ServerIf,
                Error4(RouterMac, DirectorMac, Vip, Client, 3, 4, 1280, Quote4(Client, 40000, Vip, 80), ttl: 63), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT out: an error with TTL 1 would expire in the director's hop",
            [new(Dns, ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorLanMac, Mac1, Rip1, Client, 3, 3, 0, Quote4(Client, 33333, Rip1, 5353, IpProtocols.Udp), ttl: 1), ServerIf,
                null, Verdict.Drop, DropReason.TtlExceeded)]),
        new("NAT out: an error about a flow without a connection is the host's",
            [new(Error4(DirectorLanMac, Mac1, Rip1, Client, 3, 3, 0, Quote4(Client, 33333, Rip1, 5353, IpProtocols.Udp)), ServerIf, null, Verdict.PassToKernel)]),
        new("NAT out: a quote cut after its IP header is the host's",
            [new(Dns, ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorLanMac, Mac1, Rip1, Client, 3, 3, 0, Quote4(Client, 33333, Rip1, 5353, IpProtocols.Udp, transportBytes: 0)), ServerIf,
                null, Verdict.PassToKernel)]),
        new("NAT out: an ICMP message shorter than its header is dropped",
            [new(FrameBuilder.Ip(DirectorLanMac, Mac1, Rip1, Client, IpProtocols.Icmp, [3, 3, 0, 0]), ServerIf, null, Verdict.Drop, DropReason.ShortIcmpHeader)]),
        new("FULLNAT in: an error about VIP:81 → CIP reaches RIP from LIP, quoting RIP:8081 → LIP:5000",
            [new(In(40000, TcpFlags.Syn, vport: 81), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorMac, RouterMac, ClientRouter, Vip, 11, 0, 0, Quote4(Vip, 81, Client, 40000)), ClientIf,
                Error4(Mac1, DirectorLanMac, Lip, Rip1, 11, 0, 0, Quote4(Rip1, 8081, Lip, 5000)), Verdict.Transmit, Egress: ServerIf)]),
        new("FULLNAT out: the real server's error to LIP reaches the client from VIP, quoting CIP → VIP:81",
            [new(In(40000, TcpFlags.Syn, vport: 81), ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error4(DirectorLanMac, Mac1, Rip1, Lip, 3, 3, 0, Quote4(Lip, 5000, Rip1, 8081)), ServerIf,
                Error4(RouterMac, DirectorMac, Vip, Client, 3, 3, 0, Quote4(Client, 40000, Vip, 81), ttl: 63), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT IPv6 in: packet too big about VIP:80 → CIP reaches RIP, quoting RIP:8080 → CIP",
            [new(Syn6, ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error6(DirectorMac, RouterMac, ClientRouter6, Vip6, 2, 0, 1280, Quote6(Vip6, 80, Client6, 40000)), ClientIf,
                Error6(Mac1, DirectorLanMac, ClientRouter6, Rip6, 2, 0, 1280, Quote6(Rip6, 8080, Client6, 40000)), Verdict.Transmit, Egress: ServerIf)]),
        new("NAT IPv6 out: the real server's port unreachable reaches the client from VIP, hop limit lowered",
            [new(Syn6, ClientIf, null, Verdict.Transmit, Egress: ServerIf),
             new(Error6(DirectorLanMac, Mac1, Rip6, Client6, 1, 4, 0, Quote6(Client6, 40000, Rip6, 8080)), ServerIf,
                Error6(RouterMac, DirectorMac, Vip6, Client6, 1, 4, 0, Quote6(Client6, 40000, Vip6, 80), hopLimit: 63), Verdict.Transmit, Egress: ClientIf)]),
        new("NAT IPv6 in: neighbour solicitation and echo are the host's",
            [new(FrameBuilder.Icmp(DirectorMac, RouterMac, Client6, Vip6, Icmpv6Types.NeighborSolicitation, 0, 0, new byte[16]), ClientIf, null, Verdict.PassToKernel),
             new(FrameBuilder.IcmpEcho(DirectorMac, RouterMac, Client6, Vip6, 7, 1), ClientIf, null, Verdict.PassToKernel)]),
    ];

    public static TheoryData<string> Descriptions => new(Cases.Select(c => c.Description));

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Process_IcmpNatCase_GivesExpectedFramesAndVerdicts(string description)
    {
        var lab = new NatLab();
        var steps = Cases.Single(c => c.Description == description).Steps;
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            var (packet, output) = lab.Run(step.Input, step.Ingress);

            Assert.True(step.Verdict == packet.Verdict, $"step {i + 1}: verdict {packet.Verdict} ({packet.Reason}), expected {step.Verdict}");
            Assert.Equal(step.Reason, packet.Reason);
            Assert.Equal(step.Egress, packet.EgressIfIndex);
            if (step.Expected is not null || step.Verdict != Verdict.Transmit)
            {
                Assert.Equal(Convert.ToHexString(step.Expected ?? step.Input), Convert.ToHexString(output));
            }
        }
    }

    [Fact]
    public void Process_RelayedErrorsBothWays_CountedAsInAndOutAndRelayed()
    {
        var lab = new NatLab();
        lab.Run(Dns, ClientIf);
        var inbound = Error4(DirectorMac, RouterMac, Client, Vip, 3, 3, 0, Quote4(Vip, 53, Client, 33333, IpProtocols.Udp));
        var outbound = Error4(DirectorLanMac, Mac1, Rip1, Client, 3, 3, 0, Quote4(Client, 33333, Rip1, 5353, IpProtocols.Udp));

        lab.Run(inbound, ClientIf);
        lab.Run(outbound, ServerIf);

        Assert.Equal(2, lab.Counters.IcmpRelayed);
        Assert.Equal((2, 1), (lab.Counters.Totals.InPackets, lab.Counters.Totals.OutPackets));
        Assert.Equal(Dns.Length - 14 + inbound.Length - 14, lab.Counters.Totals.InBytes);
        Assert.Equal(outbound.Length - 14, lab.Counters.Totals.OutBytes);
    }

    [Fact]
    public void Process_OutboundErrorForUnresolvedClient_DropsAndAsksForTheNextHop()
    {
        var lab = new NatLab(clientHopKnown: false);
        var asked = new List<InetAddress>();
        lab.Run(Dns, ClientIf);

        var (packet, _) = lab.Run(Error4(DirectorLanMac, Mac1, Rip1, Client, 3, 3, 0, Quote4(Client, 33333, Rip1, 5353, IpProtocols.Udp)), ServerIf);
        lab.NextHops.DrainRequests(asked);

        Assert.Equal((Verdict.Drop, DropReason.NoNextHop), (packet.Verdict, packet.Reason));
        Assert.Contains(Client, asked);
    }

    [Fact]
    public void Process_ScheduleIcmpWithoutConnection_SchedulesTheQuotedFlowAndRewritesForItsServer()
    {
        var lab = new NatLab();
        lab.Holder.Publish(new ServiceTable(lab.Holder.Current.Services, lab.Holder.Current.ArpAnswers, IpvsTunables.Default with { ScheduleIcmp = 1 }));

        var (packet, output) = lab.Run(Error4(DirectorMac, RouterMac, ClientRouter, Vip, 3, 4, 1400, Quote4(Vip, 80, Client, 40000)), ClientIf);

        Assert.Equal((Verdict.Transmit, ServerIf), (packet.Verdict, packet.EgressIfIndex));
        Assert.Equal(Convert.ToHexString(Error4(Mac1, DirectorLanMac, ClientRouter, Rip1, 3, 4, 1400, Quote4(Rip1, 8080, Client, 40000))), Convert.ToHexString(output));
        var index = lab.Connections.Lookup(new FlowKey(IpProtocols.Tcp, Client, 40000, Vip, 80));
        Assert.True(index >= 0);
        Assert.Equal(new FlowKey(IpProtocols.Tcp, Rip1, 8080, Client, 40000), lab.Connections[index].ReplyKey);
        Assert.Equal(1, lab.Counters.ConnectionsCreated);
    }

    [Fact]
    public void Process_RandomIcmpMessagesBothWays_NeverThrowAndOnlyTransmitWhatTheyMatch()
    {
        var lab = new NatLab();
        lab.Run(Dns, ClientIf);
        lab.Run(In(40000, TcpFlags.Syn, vport: 81), ClientIf);
        var random = new Random(3);
        for (var i = 0; i < 3000; i++)
        {
            var body = new byte[random.Next(0, 80)];
            random.NextBytes(body);

            // Half the messages carry a matching quote with random bytes cut anywhere.
            if (i % 2 == 0 && body.Length > 0)
            {
                var quote = i % 4 == 0
                    ? Quote4(Vip, 53, Client, 33333, IpProtocols.Udp)
                    : Quote4(Rip1, 8081, Lip, 5000);
                quote.AsSpan(0, Math.Min(quote.Length, body.Length)).CopyTo(body);
            }

            var type = (byte)(i % 3 == 0 ? 3 : random.Next(0, 256));
            var inbound = FrameBuilder.Icmp(DirectorMac, RouterMac, Client, Vip, type, (byte)random.Next(0, 16), (uint)random.Next(), body);
            var outbound = FrameBuilder.Icmp(DirectorLanMac, Mac1, Rip1, Lip, type, (byte)random.Next(0, 16), (uint)random.Next(), body);

            var (a, _) = lab.Run(inbound, ClientIf);
            var (b, _) = lab.Run(outbound, ServerIf);

            Assert.True(a.Verdict != Verdict.Transmit || a.EgressIfIndex == ServerIf);
            Assert.True(b.Verdict != Verdict.Transmit || b.EgressIfIndex == ClientIf);
        }
    }
}
