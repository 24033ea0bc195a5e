using System.Buffers.Binary;
using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// One frame in, one frame out: description, input frame, expected frame after processing,
/// expected verdict and reason. Each case runs against a fresh <see cref="PipelineLab"/>.
/// </summary>
public class PacketProcessorFixtureTests
{
    private const int Ip = 14;       // IPv4 header offset in an untagged frame
    private const int Transport = 34; // TCP/UDP header offset behind a 20-byte IPv4 header

    private static readonly Fixture[] Fixtures =
    [
        new("TCP SYN to VIP:80 goes to the first real server, only the MACs rewritten",
            Syn(40000), Syn(40000, MacA, DirectorEgressMac), Verdict.Transmit, Egress: EgressIf),
        new("UDP to VIP:53 goes to its real server",
            Udp(DirectorMac, ClientMac), Udp(MacA, DirectorEgressMac), Verdict.Transmit, Egress: EgressIf),
        new("IPv6 TCP SYN to the IPv6 VIP goes to its real server",
            Syn6(DirectorMac, ClientMac), Syn6(MacA, DirectorEgressMac), Verdict.Transmit, Egress: EgressIf),
        new("VLAN-tagged SYN is rewritten with its tag kept",
            Syn(40000, vlan: 7), Syn(40000, MacA, DirectorEgressMac, vlan: 7), Verdict.Transmit, Egress: EgressIf),
        new("TCP to an address that is no VIP passes untouched",
            FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Other, 80, TcpFlags.Syn), null, Verdict.PassToKernel),
        new("TCP to a VIP port without a service passes untouched",
            FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 22, TcpFlags.Syn), null, Verdict.PassToKernel),
        new("ICMP echo to a VIP passes to the host",
            FrameBuilder.IcmpEcho(DirectorMac, ClientMac, Client, Vip, 1, 1), null, Verdict.PassToKernel),
        new("ACK without a connection is dropped (only a SYN schedules)",
            Tcp(Client, 40000, TcpFlags.Ack), null, Verdict.Drop, DropReason.NoConnection),
        new("SYN+RST without a connection is dropped",
            Tcp(Client, 40000, TcpFlags.Syn | TcpFlags.Rst), null, Verdict.Drop, DropReason.NoConnection),
        new("IHL below 5 is dropped",
            With(Syn(40000), f => f[Ip] = 0x44), null, Verdict.Drop, DropReason.BadIpHeaderLength),
        new("IHL beyond the packet is dropped",
            With(Syn(40000), f => f[Ip] = 0x4F), null, Verdict.Drop, DropReason.BadIpHeaderLength),
        new("total length below the header length is dropped",
            With(Syn(40000), f => BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(Ip + 2), 16)), null, Verdict.Drop, DropReason.BadIpTotalLength),
        new("frame cut short of its IPv4 total length is dropped",
            Syn(40000)[..(Transport + 10)], null, Verdict.Drop, DropReason.ShortFrame),
        new("frame too short to show an IPv4 destination passes",
            Syn(40000)[..(Ip + 16)], null, Verdict.PassToKernel),
        new("TCP header cut short is dropped",
            With(Syn(40000), f => BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(Ip + 2), 30))[..(Transport + 10)],
            null, Verdict.Drop, DropReason.ShortTransportHeader),
        new("TCP data offset below 5 is dropped",
            With(Syn(40000), f => f[Transport + 12] = 0x40), null, Verdict.Drop, DropReason.BadTcpHeaderLength),
        new("TCP data offset beyond the segment is dropped",
            With(Syn(40000), f => f[Transport + 12] = 0xF0), null, Verdict.Drop, DropReason.BadTcpHeaderLength),
        new("IP version 5 under the IPv4 EtherType is dropped",
            With(Syn(40000), f => f[Ip] = 0x55), null, Verdict.Drop, DropReason.BadIpVersion),
        new("non-first fragment to a VIP is dropped",
            With(Syn(40000), f => BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(Ip + 6), 0x0010)), null, Verdict.Drop, DropReason.NotFirstFragment),
        new("UDP length beyond the datagram is dropped",
            With(Udp(DirectorMac, ClientMac), f => BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(Transport + 4), 0xFFFF)),
            null, Verdict.Drop, DropReason.BadUdpLength),
        new("IPv6 payload length beyond the frame is dropped",
            With(Syn6(DirectorMac, ClientMac), f => BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(Ip + 4), 1000)),
            null, Verdict.Drop, DropReason.ShortFrame),
        new("IPv6 non-first fragment to a VIP is dropped",
            Ipv6Fragment(Syn6(DirectorMac, ClientMac), offset: 1448), null, Verdict.Drop, DropReason.NotFirstFragment),
        new("IPv6 first fragment to a VIP is forwarded (the fragment header skipped)",
            Ipv6Fragment(Syn6(DirectorMac, ClientMac), offset: 0), Ipv6Fragment(Syn6(MacA, DirectorEgressMac), offset: 0),
            Verdict.Transmit, Egress: EgressIf),
        new("another host's frame passes untouched",
            Syn(40000), null, Verdict.PassToKernel, Class: PacketClass.OtherHost),
        new("the host's own outgoing frame passes untouched",
            Syn(40000), null, Verdict.PassToKernel, Class: PacketClass.Outgoing),
        new("ARP request for the VIP on its interface is answered in place",
            FrameBuilder.ArpRequest(ClientMac, Client, Vip), Convert.FromHexString(GoldenArpReply), Verdict.Transmit,
            Egress: IngressIf, Class: PacketClass.Broadcast),
        new("ARP request for another address passes",
            FrameBuilder.ArpRequest(ClientMac, Client, Other), null, Verdict.PassToKernel, Class: PacketClass.Broadcast),
        new("ARP request for the VIP on another interface passes",
            FrameBuilder.ArpRequest(ClientMac, Client, Vip), null, Verdict.PassToKernel, Class: PacketClass.Broadcast, Ingress: 5),
        new("gratuitous ARP for the VIP passes",
            FrameBuilder.ArpRequest(ClientMac, Vip, Vip), null, Verdict.PassToKernel, Class: PacketClass.Broadcast),
        new("ARP reply passes",
            FrameBuilder.ArpReply(ClientMac, Client, DirectorMac, Vip), null, Verdict.PassToKernel),
        new("frame the port already dropped as too large stays dropped",
            Syn(40000), null, Verdict.Drop, DropReason.FrameTooLarge,
            Adjust: (ref PacketDescriptor d) => (d.Verdict, d.Reason) = (Verdict.Drop, DropReason.FrameTooLarge)),
        new("partial TCP checksum is completed before sending",
            Partial(Syn(40000)), Syn(40000, MacA, DirectorEgressMac), Verdict.Transmit, Egress: EgressIf,
            Adjust: (ref PacketDescriptor d) => (d.NeedsChecksum, d.ChecksumStart, d.ChecksumOffset) = (true, Transport, 16)),
        new("partial checksum of a GSO super-frame is left for segmentation",
            Partial(Syn(40000)), Partial(Syn(40000, MacA, DirectorEgressMac)), Verdict.Transmit, Egress: EgressIf,
            Adjust: (ref PacketDescriptor d) => (d.NeedsChecksum, d.ChecksumStart, d.ChecksumOffset, d.Gso, d.GsoSize) = (true, Transport, 16, GsoType.TcpV4, 1448)),
        new("partial checksum pointing past the frame is dropped",
            Syn(40000), null, Verdict.Drop, DropReason.BadPartialChecksum,
            Adjust: (ref PacketDescriptor d) => (d.NeedsChecksum, d.ChecksumStart, d.ChecksumOffset) = (true, 60, 16)),
    ];

    // Ethernet: to the requester, from our MAC, ARP | htype 1, ptype IPv4, 6, 4, op 2 (reply),
    // sender = our MAC + VIP 198.18.0.100, target = requester MAC + 198.18.2.10.
    private const string GoldenArpReply =
        "02000000000C" + "0200000000D1" + "0806" +
        "0001" + "0800" + "06" + "04" + "0002" +
        "0200000000D1" + "C6120064" +
        "02000000000C" + "C612020A";

    public static TheoryData<string> Descriptions => new(Fixtures.Select(f => f.Description));

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Process_Fixture_GivesExpectedFrameAndVerdict(string description)
    {
        var fixture = Fixtures.Single(f => f.Description == description);
        var lab = new PipelineLab();

        var (packet, output) = lab.Run(fixture.Input, adjust: items =>
        {
            items[0].Class = fixture.Class;
            items[0].IngressIfIndex = fixture.Ingress;
            fixture.Adjust?.Invoke(ref items[0]);
        });

        Assert.Equal(fixture.Verdict, packet.Verdict);
        Assert.Equal(fixture.Reason, packet.Reason);
        Assert.Equal(fixture.Egress, packet.EgressIfIndex);
        Assert.Equal(Convert.ToHexString(fixture.Expected ?? fixture.Input), Convert.ToHexString(output));
        Assert.Equal(1, lab.Counters.Count(fixture.Verdict));
        if (fixture.Verdict == Verdict.Drop)
        {
            Assert.Equal(1, lab.Counters.Dropped(fixture.Reason));
        }
    }

    [Fact]
    public void Process_PartialChecksum_ClearsTheFlag()
    {
        var lab = new PipelineLab();

        var (packet, _) = lab.Run(Partial(Syn(40000)), adjust: items =>
            (items[0].NeedsChecksum, items[0].ChecksumStart, items[0].ChecksumOffset) = (true, Transport, 16));

        Assert.False(packet.NeedsChecksum);
        Assert.Equal(1, lab.Counters.ChecksumsCompleted);
    }

    [Fact]
    public void Process_GsoSuperFrame_KeepsOffloadMetadata()
    {
        var lab = new PipelineLab();

        var (packet, _) = lab.Run(Partial(Syn(40000)), adjust: items =>
            (items[0].NeedsChecksum, items[0].ChecksumStart, items[0].ChecksumOffset, items[0].Gso) = (true, Transport, 16, GsoType.TcpV4));

        Assert.True(packet.NeedsChecksum);
        Assert.Equal(GsoType.TcpV4, packet.Gso);
    }

    private static byte[] Udp(MacAddress dst, MacAddress src) =>
        FrameBuilder.Udp(dst, src, Client, 5353, Vip, 53, "query"u8);

    private static byte[] Syn6(MacAddress dst, MacAddress src) =>
        FrameBuilder.Tcp(dst, src, Client6, 40000, Vip6, 80, TcpFlags.Syn, seq: 7);

    /// <summary>
    /// Puts an RFC 8200 §4.5 fragment header (next header = the original; <paramref name="offset"/>
    /// in bytes, a multiple of 8, so it sits in the field's top 13 bits as is; M flag set)
    /// between the IPv6 header and the TCP segment.
    /// </summary>
    private static byte[] Ipv6Fragment(byte[] frame, int offset)
    {
        const int Ipv6End = 14 + 40;
        var result = new byte[frame.Length + 8];
        frame.AsSpan(0, Ipv6End).CopyTo(result);
        frame.AsSpan(Ipv6End).CopyTo(result.AsSpan(Ipv6End + 8));
        var fragment = result.AsSpan(Ipv6End, 8);
        fragment[0] = result[14 + 6];
        BinaryPrimitives.WriteUInt16BigEndian(fragment[2..], (ushort)(offset | 1));
        BinaryPrimitives.WriteUInt32BigEndian(fragment[4..], 0x1234);
        result[14 + 6] = IpProtocols.Ipv6Fragment;
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(14 + 4), (ushort)(frame.Length - Ipv6End + 8));
        return result;
    }

    private static byte[] With(byte[] frame, Action<byte[]> change)
    {
        var copy = (byte[])frame.Clone();
        change(copy);
        return copy;
    }

    /// <summary>The frame as a sender's stack leaves it under CHECKSUM_PARTIAL: the TCP checksum field holds only the pseudo-header sum.</summary>
    private static byte[] Partial(byte[] frame) => With(frame, f =>
    {
        var segmentLength = f.Length - Transport;
        var pseudo = Checksum.Fold(Checksum.PseudoHeaderSum(Client, Vip, IpProtocols.Tcp, segmentLength));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(Transport + 16), pseudo);
    });

    private delegate void AdjustDescriptor(ref PacketDescriptor descriptor);

    private sealed record Fixture(
        string Description,
        byte[] Input,
        byte[]? Expected,
        Verdict Verdict,
        DropReason Reason = DropReason.None,
        int Egress = 0,
        PacketClass Class = PacketClass.Host,
        int Ingress = IngressIf,
        AdjustDescriptor? Adjust = null);
}
