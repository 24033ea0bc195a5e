using System.Buffers.Binary;
using SharpLvs.Core.Fragments;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests.Forwarding;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Fragments through DR and TUN: each fragment of a datagram leaves exactly as the kernel
/// would send the fragments of the datagram it forwards (the fragments of the expected
/// whole frame), to the real server its first fragment was scheduled to.
/// </summary>
public class FragmentTests
{
    private const long Now = 1_000_000;
    private const int Ip = 14;
    private static readonly byte[] Body = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void Process_InterleavedFragmentsOfTwoDatagrams_EachFollowsItsFirstFragmentsServer()
    {
        var lab = new PipelineLab();
        var one = Fragmenter.Ipv4(BigSyn(40000), id: 1);
        var two = Fragmenter.Ipv4(BigSyn(40001), id: 2);
        var expectedOne = Fragmenter.Ipv4(BigSyn(40000, MacA, DirectorEgressMac), id: 1);
        var expectedTwo = Fragmenter.Ipv4(BigSyn(40001, MacB, DirectorEgressMac), id: 2);
        Assert.Equal(3, one.Length);

        // Round robin: A for the first datagram, B for the second; fragments interleaved.
        var order = new[] { (one, expectedOne, 0), (two, expectedTwo, 0), (one, expectedOne, 1), (two, expectedTwo, 1), (two, expectedTwo, 2), (one, expectedOne, 2) };
        foreach (var (input, expected, i) in order)
        {
            var (packet, output) = lab.Run(input[i], Now);

            Assert.Equal((Verdict.Transmit, DropReason.None, EgressIf), (packet.Verdict, packet.Reason, packet.EgressIfIndex));
            Assert.Equal(Convert.ToHexString(expected[i]), Convert.ToHexString(output));
        }

        Assert.Equal(2, lab.Connections.Count);
        Assert.Equal(0, lab.Processor.Fragments.CountLive(Now));
    }

    [Fact]
    public void Process_FragmentedDatagram_CountedAsOnePacketOfTheReassembledLength()
    {
        var lab = new PipelineLab();
        var whole = BigSyn(40000);

        foreach (var fragment in Fragmenter.Ipv4(whole, id: 9))
        {
            lab.Run(fragment, Now);
        }

        // ip_vs_in_stats sees the reassembled skb: one packet, the whole IP length.
        Assert.Equal(1, lab.A.Stats.InPackets);
        Assert.Equal(whole.Length - Ip, lab.A.Stats.InBytes);
        Assert.Equal(whole.Length - Ip, lab.Web.Stats.InBytes);
    }

    [Fact]
    public void Process_LaterFragmentBeforeItsFirst_DroppedAsNotFirstFragmentTheRestStillFollow()
    {
        var lab = new PipelineLab();
        var fragments = Fragmenter.Ipv4(BigSyn(40000), id: 3);

        var early = lab.Run(fragments[2], Now).Packet;
        var first = lab.Run(fragments[0], Now).Packet;
        var second = lab.Run(fragments[1], Now).Packet;

        Assert.Equal((Verdict.Drop, DropReason.NotFirstFragment), (early.Verdict, early.Reason));
        Assert.Equal(Verdict.Transmit, first.Verdict);
        Assert.Equal(Verdict.Transmit, second.Verdict);
        Assert.Equal(1, lab.Counters.Dropped(DropReason.NotFirstFragment));

        // The dropped tail never came: the slot waits for it until its timer runs out.
        Assert.Equal(1, lab.Processor.Fragments.CountLive(Now));
        Assert.Equal(0, lab.Processor.Fragments.CountLive(Now + FragmentCache.DefaultTimeoutMs));
    }

    [Fact]
    public void Process_DuplicateAfterTheDatagramIsComplete_DroppedAsTheKernelFindsNoQueue()
    {
        var lab = new PipelineLab();
        var fragments = Fragmenter.Ipv4(BigSyn(40000), id: 4);
        foreach (var fragment in fragments)
        {
            Assert.Equal(Verdict.Transmit, lab.Run(fragment, Now).Packet.Verdict);
        }

        var duplicate = lab.Run(fragments[1], Now).Packet;

        Assert.Equal((Verdict.Drop, DropReason.NotFirstFragment), (duplicate.Verdict, duplicate.Reason));
    }

    [Fact]
    public void Process_DuplicateFirstFragment_GoesToTheSameServerWithoutANewConnection()
    {
        var lab = new PipelineLab();
        var fragments = Fragmenter.Ipv4(BigSyn(40000), id: 5);

        var first = lab.Run(fragments[0], Now).Output;
        var again = lab.Run(fragments[0], Now).Output;
        var rest = lab.Run(fragments[1], Now).Output;

        Assert.Equal(MacA, MacAddress.Read(first));
        Assert.Equal(MacA, MacAddress.Read(again));
        Assert.Equal(MacA, MacAddress.Read(rest));
        Assert.Equal(1, lab.Connections.Count);
    }

    [Fact]
    public void Process_FragmentOverlappingTheTcpHeader_Dropped()
    {
        var lab = new PipelineLab();
        var fragments = Fragmenter.Ipv4(BigSyn(40000), id: 6);
        lab.Run(fragments[0], Now);

        // RFC 1858 §3: offset 8 would rewrite the TCP header's flags and window on reassembly.
        var overlap = (byte[])fragments[1].Clone();
        BinaryPrimitives.WriteUInt16BigEndian(overlap.AsSpan(Ip + 6), 0x2001);
        BinaryPrimitives.WriteUInt16BigEndian(overlap.AsSpan(Ip + 10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(overlap.AsSpan(Ip + 10), Checksum.Compute(overlap.AsSpan(Ip, 20)));
        var packet = lab.Run(overlap, Now).Packet;

        Assert.Equal((Verdict.Drop, DropReason.FragmentOverlapsTransportHeader), (packet.Verdict, packet.Reason));
    }

    [Fact]
    public void Process_LaterFragmentAfterTheTimeout_DroppedAsExpired()
    {
        var lab = new PipelineLab();
        var fragments = Fragmenter.Ipv4(BigSyn(40000), id: 7);
        lab.Run(fragments[0], Now);

        var inTime = lab.Run(fragments[1], Now + FragmentCache.DefaultTimeoutMs - 1).Packet;
        var late = lab.Run(fragments[2], Now + FragmentCache.DefaultTimeoutMs).Packet;

        Assert.Equal(Verdict.Transmit, inTime.Verdict);
        Assert.Equal((Verdict.Drop, DropReason.FragmentExpired), (late.Verdict, late.Reason));
        Assert.Equal(1, lab.Counters.Dropped(DropReason.FragmentExpired));
    }

    [Fact]
    public void Process_FirstFragmentWithTheCacheFull_DroppedBeforeAnyConnectionIsMade()
    {
        var lab = new PipelineLab();
        lab.Processor.Fragments = new FragmentCache(capacity: FragmentCache.Ways);
        for (ushort n = 0; n < FragmentCache.Ways; n++)
        {
            Assert.Equal(Verdict.Transmit, lab.Run(Fragmenter.Ipv4(BigSyn((ushort)(40000 + n)), id: n)[0], Now).Packet.Verdict);
        }

        var refused = lab.Run(Fragmenter.Ipv4(BigSyn(41000), id: 99)[0], Now).Packet;
        var afterTimeout = lab.Run(Fragmenter.Ipv4(BigSyn(41001), id: 100)[0], Now + FragmentCache.DefaultTimeoutMs).Packet;

        Assert.Equal((Verdict.Drop, DropReason.FragmentCacheFull), (refused.Verdict, refused.Reason));
        Assert.Equal(Verdict.Transmit, afterTimeout.Verdict);
        Assert.Equal(FragmentCache.Ways + 1, lab.Counters.ConnectionsCreated);
    }

    [Fact]
    public void Process_FragmentsToAVipPortWithoutService_AllGoToTheHost()
    {
        var lab = new PipelineLab();
        var whole = FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5000, Vip, 9999, Body);

        var verdicts = Fragmenter.Ipv4(whole, id: 8).Select(f => lab.Run(f, Now).Packet.Verdict).ToArray();

        Assert.All(verdicts, v => Assert.Equal(Verdict.PassToKernel, v));
        Assert.Equal(0, lab.Processor.Fragments.CountLive(Now));
    }

    [Fact]
    public void Process_FragmentedPingToAVip_GoesToTheHost()
    {
        var lab = new PipelineLab();
        var ping = FrameBuilder.IcmpEcho(DirectorMac, ClientMac, Client, Vip, 1, 1, Body);

        var verdicts = Fragmenter.Ipv4(ping, id: 8).Select(f => lab.Run(f, Now).Packet.Verdict).ToArray();

        Assert.All(verdicts, v => Assert.Equal(Verdict.PassToKernel, v));
    }

    [Fact]
    public void Process_UdpFirstFragment_ItsLengthFieldCoversTheWholeDatagram()
    {
        var lab = new PipelineLab();
        var whole = FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5353, Vip, 53, Body);
        var expected = Fragmenter.Ipv4(FrameBuilder.Udp(MacA, DirectorEgressMac, Client, 5353, Vip, 53, Body), id: 11);

        var outputs = Fragmenter.Ipv4(whole, id: 11).Select(f => lab.Run(f, Now)).ToArray();

        Assert.All(outputs, o => Assert.Equal(Verdict.Transmit, o.Packet.Verdict));
        Assert.Equal(expected.Select(Convert.ToHexString), outputs.Select(o => Convert.ToHexString(o.Output)));
    }

    [Fact]
    public void Process_Ipv6Fragments_FollowTheFirstByTheFragmentHeadersIdentification()
    {
        var lab = new PipelineLab();
        var whole = FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, Body, seq: 7);
        var expected = Fragmenter.Ipv6(FrameBuilder.Tcp(MacA, DirectorEgressMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, Body, seq: 7), id: 0x10203040);
        var fragments = Fragmenter.Ipv6(whole, id: 0x10203040);
        Assert.Equal(3, fragments.Length);

        var outputs = fragments.Select(f => lab.Run(f, Now)).ToArray();

        Assert.All(outputs, o => Assert.Equal((Verdict.Transmit, EgressIf), (o.Packet.Verdict, o.Packet.EgressIfIndex)));
        Assert.Equal(expected.Select(Convert.ToHexString), outputs.Select(o => Convert.ToHexString(o.Output)));
        Assert.Equal(0, lab.Processor.Fragments.CountLive(Now));
    }

    [Fact]
    public void Process_Ipv6LaterFragmentWithAnotherIdentification_NotFirstFragment()
    {
        var lab = new PipelineLab();
        var fragments = Fragmenter.Ipv6(FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, Body), id: 1);
        var stranger = Fragmenter.Ipv6(FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, Body), id: 2);
        lab.Run(fragments[0], Now);

        var packet = lab.Run(stranger[1], Now).Packet;

        Assert.Equal((Verdict.Drop, DropReason.NotFirstFragment), (packet.Verdict, packet.Reason));
    }

    [Fact]
    public void Process_Ipv6AtomicFragment_HandledAsAWholePacket()
    {
        var lab = new PipelineLab();
        var whole = FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Syn);
        var atomic = Fragmenter.Ipv6(whole, id: 3);
        Assert.Single(atomic);

        var packet = lab.Run(atomic[0], Now).Packet;

        Assert.Equal(Verdict.Transmit, packet.Verdict);
        Assert.Equal(0, lab.Processor.Fragments.CountLive(Now));
    }

    [Fact]
    public void Process_FragmentsThroughIpip_EachEncapsulatedToTheSameRealServer()
    {
        // Fragments cut for a 1400-byte path leave room for the 20-byte outer header; lvsd
        // cannot fragment the outer packet as the kernel would (TunnelNeedsFragmentation).
        var processor = TunnelLab.Processor(TunnelLab.Server4());
        var fragments = Fragmenter.Ipv4(BigSyn(40000), id: 12, mtu: 1400);

        foreach (var fragment in fragments)
        {
            var frame = new HeadroomFrame(fragment);
            processor.Process(ref frame.Packet, Now);
            var output = frame.Output;

            // ip_vs_tunnel_xmit wraps each (kernel: refragmented) packet whole: outer IPv4 to
            // the RIP, protocol 4, the fragment unchanged inside.
            Assert.Equal(Verdict.Transmit, frame.Packet.Verdict);
            Assert.Equal(IpProtocols.IpIp, output[Ip + 9]);
            Assert.Equal(Server('A').Address, InetAddress.FromV4(output.AsSpan(Ip + 16)));
            Assert.Equal(Convert.ToHexString(fragment.AsSpan(Ip)), Convert.ToHexString(output.AsSpan(Ip + 20)));
        }
    }

    [Fact]
    public void Process_OnePacketUdpService_EachDatagramsFragmentsFollowItsScheduleWithoutAConnection()
    {
        var lab = new PipelineLab();
        var servers = System.Collections.Immutable.ImmutableArray.Create(lab.A, lab.B);
        var dns = new VirtualService(new ServiceKey(IpProtocols.Udp, Vip, 53), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers, ServiceFlags.OnePacket);
        lab.Holder.Publish(new ServiceTable([lab.Web, dns, lab.Web6], lab.Holder.Current.ArpAnswers));

        // One client port, two datagrams: -o schedules each alone (rr: A, then B), and
        // each one's later fragments must follow it, not the connection that is not there.
        var one = Fragmenter.Ipv4(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5353, Vip, 53, Body), id: 21);
        var two = Fragmenter.Ipv4(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5353, Vip, 53, Body), id: 22);
        var macs = new[] { one[0], two[0], two[1], one[1], one[2], two[2] }
            .Select(f => lab.Run(f, Now).Output)
            .Select(o => MacAddress.Read(o))
            .ToArray();

        Assert.Equal([MacA, MacB, MacB, MacA, MacA, MacB], macs);
        Assert.Equal(0, lab.Connections.Count);
    }

    [Fact]
    public void Process_FragmentWithPartialChecksum_Dropped()
    {
        var lab = new PipelineLab();
        var first = Fragmenter.Ipv4(BigSyn(40000), id: 23)[0];

        // A sender completes the checksum before it fragments: a partial sum over one fragment cannot be finished.
        var packet = lab.Run(first, Now, items => (items[0].NeedsChecksum, items[0].ChecksumStart, items[0].ChecksumOffset) = (true, 34, 16)).Packet;

        Assert.Equal((Verdict.Drop, DropReason.BadPartialChecksum), (packet.Verdict, packet.Reason));
        Assert.Equal(0, lab.Connections.Count);
        Assert.Equal(0, lab.Processor.Fragments.CountLive(Now));
    }

    [Fact]
    public void Process_TinyFirstFragmentWithoutTheWholeTcpHeader_DroppedAsShort()
    {
        var lab = new PipelineLab();

        // RFC 1858 §3.1: the first fragment must hold the whole TCP header (here 16 of 20 bytes).
        var tiny = Fragmenter.Ipv4(BigSyn(40000), id: 24, mtu: 36)[0];
        var packet = lab.Run(tiny, Now).Packet;

        Assert.Equal((Verdict.Drop, DropReason.ShortTransportHeader), (packet.Verdict, packet.Reason));
    }

    private static byte[] BigSyn(ushort clientPort, MacAddress? dst = null, MacAddress? src = null) =>
        FrameBuilder.Tcp(dst ?? DirectorMac, src ?? ClientMac, Client, clientPort, Vip, 80, TcpFlags.Syn, Body, seq: 1000);
}
