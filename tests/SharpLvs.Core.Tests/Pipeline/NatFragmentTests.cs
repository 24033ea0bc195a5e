using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.NatLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Fragments through NAT and FULLNAT, both directions. The expectation is the kernel's: it
/// reassembles, translates the datagram, and sends it fragmented at the same boundaries; so
/// every output fragment must equal the matching fragment of the translated whole datagram,
/// built independently with a freshly computed checksum.
/// </summary>
public class NatFragmentTests
{
    private static readonly byte[] Body = Enumerable.Range(0, 3000).Select(i => (byte)(i * 13 + 1)).ToArray();

    public static TheoryData<string> Cases => new(Flows.Select(f => f.Description));

    private static readonly FragmentCase[] Flows =
    [
        new("NAT UDP client → VIP:53 reaches RIP:5353, the first fragment's checksum fixed for the whole datagram",
            [],
            FrameBuilder.Udp(DirectorMac, RouterMac, Client, 7000, Vip, 53, Body), ClientIf,
            FrameBuilder.Udp(Mac1, DirectorLanMac, Client, 7000, Rip1, 5353, Body)),
        new("NAT UDP reply from RIP:5353 leaves from VIP:53 with the TTL lowered",
            [(FrameBuilder.Udp(DirectorMac, RouterMac, Client, 7000, Vip, 53, "q"u8), ClientIf)],
            FrameBuilder.Udp(DirectorLanMac, Mac1, Rip1, 5353, Client, 7000, Body), ServerIf,
            FrameBuilder.Udp(RouterMac, DirectorMac, Vip, 53, Client, 7000, Body, ttl: 63)),
        new("FULLNAT TCP client → VIP:81 leaves from LIP:5000 to RIP:8081",
            [],
            In(40000, TcpFlags.Syn, vport: 81, payload: Body), ClientIf,
            FrameBuilder.Tcp(Mac1, DirectorLanMac, Lip, 5000, Rip1, 8081, TcpFlags.Syn, Body, seq: 1000)),
        new("FULLNAT TCP reply to LIP:5000 goes back to the client from VIP:81",
            [(In(40000, TcpFlags.Syn, vport: 81), ClientIf)],
            Reply(Mac1, Rip1, 8081, Lip, 5000, TcpFlags.Syn | TcpFlags.Ack, Body), ServerIf,
            ToClient(81, 40000, TcpFlags.Syn | TcpFlags.Ack, Body)),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Process_FragmentsOfATranslatedFlow_EqualTheFragmentsOfTheTranslatedDatagram(string description)
    {
        var flow = Flows.Single(f => f.Description == description);
        var lab = new NatLab();
        foreach (var (frame, ingress) in flow.Before)
        {
            Assert.Equal(Verdict.Transmit, lab.Run(frame, ingress).Packet.Verdict);
        }

        var expected = Fragmenter.Ipv4(flow.Expected, id: 0x4242);
        var outputs = Fragmenter.Ipv4(flow.Input, id: 0x4242).Select(f => lab.Run(f, flow.Ingress)).ToArray();

        Assert.All(outputs, o => Assert.Equal((Verdict.Transmit, DropReason.None), (o.Packet.Verdict, o.Packet.Reason)));
        Assert.Equal(expected.Select(Convert.ToHexString), outputs.Select(o => Convert.ToHexString(o.Output)));

        // What the real server's (or client's) kernel reassembles carries a valid checksum.
        var datagram = Fragmenter.ReassembleIpv4Payload(outputs.Select(o => o.Output));
        var first = outputs[0].Output;
        Assert.True(Checksum.VerifyTransport(datagram, InetAddress.FromV4(first.AsSpan(26)), InetAddress.FromV4(first.AsSpan(30)), first[23]));
    }

    [Fact]
    public void Process_NatFragmentsOfTwoClients_EachFollowsItsRealServer()
    {
        var lab = new NatLab();
        var one = Fragmenter.Ipv4(In(40000, TcpFlags.Syn, payload: Body), id: 1);
        var two = Fragmenter.Ipv4(In(40001, TcpFlags.Syn, payload: Body), id: 1 + 0x100);
        var expectedOne = Fragmenter.Ipv4(FrameBuilder.Tcp(Mac1, DirectorLanMac, Client, 40000, Rip1, 8080, TcpFlags.Syn, Body, seq: 1000), id: 1);
        var expectedTwo = Fragmenter.Ipv4(FrameBuilder.Tcp(Mac2, DirectorLanMac, Client, 40001, Rip2, 8080, TcpFlags.Syn, Body, seq: 1000), id: 1 + 0x100);

        var order = new[] { (one, expectedOne, 0), (two, expectedTwo, 0), (two, expectedTwo, 1), (one, expectedOne, 1), (one, expectedOne, 2), (two, expectedTwo, 2) };
        foreach (var (input, expected, i) in order)
        {
            var (packet, output) = lab.Run(input[i], ClientIf);

            Assert.Equal(Verdict.Transmit, packet.Verdict);
            Assert.Equal(Convert.ToHexString(expected[i]), Convert.ToHexString(output));
        }
    }

    [Fact]
    public void Process_Ipv6NatFragments_AddressesRewrittenInEveryFragment()
    {
        var lab = new NatLab();
        var input = FrameBuilder.Tcp(DirectorMac, RouterMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, Body, seq: 1000);
        var expected = Fragmenter.Ipv6(FrameBuilder.Tcp(Mac1, DirectorLanMac, Client6, 40000, Rip6, 8080, TcpFlags.Syn, Body, seq: 1000), id: 77);

        var outputs = Fragmenter.Ipv6(input, id: 77).Select(f => lab.Run(f, ClientIf)).ToArray();

        Assert.All(outputs, o => Assert.Equal(Verdict.Transmit, o.Packet.Verdict));
        Assert.Equal(expected.Select(Convert.ToHexString), outputs.Select(o => Convert.ToHexString(o.Output)));
    }

    [Fact]
    public void Process_ReplyFragmentWithoutItsFirst_LeftToTheHost()
    {
        var lab = new NatLab();
        var fragments = Fragmenter.Ipv4(FrameBuilder.Udp(DirectorLanMac, Mac1, Rip1, 5353, Client, 7000, Body), id: 5);

        var packet = lab.Run(fragments[1], ServerIf).Packet;

        Assert.Equal(Verdict.PassToKernel, packet.Verdict);
    }

    [Fact]
    public void Process_LaterReplyFragmentAfterTheTimeout_DroppedAsExpiredNotLeftToTheHost()
    {
        var lab = new NatLab();
        lab.Run(FrameBuilder.Udp(DirectorMac, RouterMac, Client, 7000, Vip, 53, "q"u8), ClientIf);
        var fragments = Fragmenter.Ipv4(FrameBuilder.Udp(DirectorLanMac, Mac1, Rip1, 5353, Client, 7000, Body), id: 7);
        lab.Run(fragments[0], ServerIf, nowMs: 1_000_000);

        var packet = lab.Run(fragments[1], ServerIf, nowMs: 1_030_000).Packet;

        Assert.Equal((Verdict.Drop, DropReason.FragmentExpired), (packet.Verdict, packet.Reason));
    }

    [Fact]
    public void Process_FragmentedReply_CountedOutAsOneDatagram()
    {
        var lab = new NatLab();
        lab.Run(FrameBuilder.Udp(DirectorMac, RouterMac, Client, 7000, Vip, 53, "q"u8), ClientIf);
        var whole = FrameBuilder.Udp(DirectorLanMac, Mac1, Rip1, 5353, Client, 7000, Body);

        foreach (var fragment in Fragmenter.Ipv4(whole, id: 6))
        {
            lab.Run(fragment, ServerIf);
        }

        Assert.Equal(1, lab.Counters.Totals.OutPackets);
        Assert.Equal(whole.Length - 14, lab.Counters.Totals.OutBytes);
    }

    private sealed record FragmentCase(string Description, (byte[] Frame, int Ingress)[] Before, byte[] Input, int Ingress, byte[] Expected);
}
