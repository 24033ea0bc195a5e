using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests.Forwarding;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.IcmpFrames;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// ICMP errors to a VIP for DR and TUN connections (ip_vs_in_icmp → ip_vs_icmp_xmit, which
/// hands DR and TUN errors to the connection's own transmitter untouched), what stays the
/// host's, the named drops, and schedule_icmp. Table-driven where a frame goes in and a frame
/// comes out; the expected frames come from <see cref="IcmpFrames"/>.
/// </summary>
public class IcmpDirectFixtureTests
{
    private const long Now = 1_000_000;

    private static readonly InetAddress ClientRouter6 = InetAddress.Parse("fd00:198:18:2::1");
    private static readonly byte[] Syn6 = FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, seq: 1000);
    private static readonly byte[] FragNeeded = Error4(DirectorMac, ClientMac, Other, Vip, 3, 4, 1400, Quote4(Vip, 80, Client, 40000));

    private static readonly DirectCase[] Cases =
    [
        new("DR: fragmentation needed about VIP:80 → CIP reaches the real server unchanged but for the MACs (PMTU discovery)",
            [Syn(40000)], FragNeeded, WithMacs(FragNeeded, MacA, DirectorEgressMac), Verdict.Transmit, Egress: EgressIf),
        new("DR: time exceeded about the second connection reaches its own real server",
            [Syn(40000), Syn(40001)], Error4(DirectorMac, ClientMac, Other, Vip, 11, 0, 0, Quote4(Vip, 80, Client, 40001)),
            WithMacs(Error4(DirectorMac, ClientMac, Other, Vip, 11, 0, 0, Quote4(Vip, 80, Client, 40001)), MacB, DirectorEgressMac),
            Verdict.Transmit, Egress: EgressIf),
        new("DR: source quench about a UDP flow reaches its real server",
            [FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5353, Vip, 53, "q"u8)],
            Error4(DirectorMac, ClientMac, Client, Vip, 4, 0, 0, Quote4(Vip, 53, Client, 5353, IpProtocols.Udp)),
            WithMacs(Error4(DirectorMac, ClientMac, Client, Vip, 4, 0, 0, Quote4(Vip, 53, Client, 5353, IpProtocols.Udp)), MacA, DirectorEgressMac),
            Verdict.Transmit, Egress: EgressIf),
        new("DR IPv6: packet too big about VIP:80 → CIP reaches the real server",
            [Syn6], Error6(DirectorMac, ClientMac, ClientRouter6, Vip6, 2, 0, 1280, Quote6(Vip6, 80, Client6, 40000)),
            WithMacs(Error6(DirectorMac, ClientMac, ClientRouter6, Vip6, 2, 0, 1280, Quote6(Vip6, 80, Client6, 40000)), MacA, DirectorEgressMac),
            Verdict.Transmit, Egress: EgressIf),
        new("DR IPv6: parameter problem likewise",
            [Syn6], Error6(DirectorMac, ClientMac, ClientRouter6, Vip6, 4, 0, 40, Quote6(Vip6, 80, Client6, 40000)),
            WithMacs(Error6(DirectorMac, ClientMac, ClientRouter6, Vip6, 4, 0, 40, Quote6(Vip6, 80, Client6, 40000)), MacA, DirectorEgressMac),
            Verdict.Transmit, Egress: EgressIf),
        new("an error about a flow without a connection is the host's",
            [], FragNeeded, null, Verdict.PassToKernel),
        new("an error about another VIP port without a connection is the host's",
            [Syn(40000)], Error4(DirectorMac, ClientMac, Other, Vip, 3, 4, 1400, Quote4(Vip, 22, Client, 40000)), null, Verdict.PassToKernel),
        new("a redirect is the host's (not an error ip_vs_in_icmp relates)",
            [Syn(40000)], Error4(DirectorMac, ClientMac, Other, Vip, 5, 1, 0, Quote4(Vip, 80, Client, 40000)), null, Verdict.PassToKernel),
        new("an echo request to the VIP is the host's",
            [], FrameBuilder.IcmpEcho(DirectorMac, ClientMac, Client, Vip, 7, 1, "ping"u8), null, Verdict.PassToKernel),
        new("an ICMPv6 echo request to the VIP is the host's",
            [], FrameBuilder.IcmpEcho(DirectorMac, ClientMac, Client6, Vip6, 7, 1, "ping"u8), null, Verdict.PassToKernel),
        new("a quote cut after its IP header is the host's (\"The packet looks wrong, ignore\")",
            [Syn(40000)], Error4(DirectorMac, ClientMac, Other, Vip, 3, 4, 1400, Quote4(Vip, 80, Client, 40000, transportBytes: 2)), null, Verdict.PassToKernel),
        new("a quote of a non-first fragment is the host's",
            [Syn(40000)], Error4(DirectorMac, ClientMac, Other, Vip, 3, 4, 1400, NonFirstFragment(Quote4(Vip, 80, Client, 40000))), null, Verdict.PassToKernel),
        new("a quote of another protocol is the host's",
            [Syn(40000)], Error4(DirectorMac, ClientMac, Other, Vip, 3, 3, 0, Quote4(Vip, 80, Client, 40000, IpProtocols.Gre)), null, Verdict.PassToKernel),
        new("a bad ICMP checksum is dropped",
            [Syn(40000)], Error4(DirectorMac, ClientMac, Other, Vip, 3, 4, 1400, Quote4(Vip, 80, Client, 40000), badChecksum: true),
            null, Verdict.Drop, DropReason.BadIcmpChecksum),
        new("an ICMP message shorter than its header is dropped",
            [], FrameBuilder.Ip(DirectorMac, ClientMac, Other, Vip, IpProtocols.Icmp, [3, 4, 0, 0]), null, Verdict.Drop, DropReason.ShortIcmpHeader),
        new("an ICMPv6 error behind a fragment header is dropped",
            [Syn6], FragmentHeaderBefore(Error6(DirectorMac, ClientMac, ClientRouter6, Vip6, 2, 0, 1280, Quote6(Vip6, 80, Client6, 40000))),
            null, Verdict.Drop, DropReason.FragmentedIcmpv6Error),
    ];

    public static TheoryData<string> Descriptions => new(Cases.Select(c => c.Description));

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Process_IcmpDirectCase_GivesExpectedFrameAndVerdict(string description)
    {
        var c = Cases.Single(c => c.Description == description);
        var lab = new PipelineLab();
        foreach (var setup in c.Setup)
        {
            Assert.Equal(Verdict.Transmit, lab.Run(setup, Now).Packet.Verdict);
        }

        var (packet, output) = lab.Run(c.Input, Now);

        Assert.True(c.Verdict == packet.Verdict, $"verdict {packet.Verdict} ({packet.Reason}), expected {c.Verdict}");
        Assert.Equal((c.Reason, c.Egress), (packet.Reason, packet.EgressIfIndex));
        if (c.Expected is not null || c.Verdict != Verdict.Transmit)
        {
            Assert.Equal(Convert.ToHexString(c.Expected ?? c.Input), Convert.ToHexString(output));
        }
    }

    [Fact]
    public void Process_RelayedError_CountedInAndRelayed()
    {
        var lab = new PipelineLab();
        lab.Run(Syn(40000), Now);

        lab.Run(FragNeeded, Now);

        Assert.Equal(1, lab.Counters.IcmpRelayed);
        Assert.Equal(2, lab.A.Stats.InPackets);
        Assert.Equal(2, lab.Web.Stats.InPackets);
        Assert.Equal(Syn(40000).Length - 14 + FragNeeded.Length - 14, lab.Counters.Totals.InBytes);
    }

    [Fact]
    public void Process_ErrorForConnectionOfDeletedServer_Dropped()
    {
        var lab = new PipelineLab();
        lab.Run(Syn(40000), Now);
        lab.A.Available = false;

        var (packet, _) = lab.Run(FragNeeded, Now);

        Assert.Equal((Verdict.Drop, DropReason.IcmpRealServerUnavailable), (packet.Verdict, packet.Reason));
    }

    [Fact]
    public void Process_ErrorForTunnelConnection_EncapsulatedToTheRealServer()
    {
        var processor = TunnelLab.Processor(TunnelLab.Server4());
        processor.Process(ref new HeadroomFrame(Syn(40000)).Packet, Now);
        var frame = new HeadroomFrame(FragNeeded);

        processor.Process(ref frame.Packet, Now);

        Assert.Equal((Verdict.Transmit, EgressIf), (frame.Packet.Verdict, frame.Packet.EgressIfIndex));
        var output = frame.Output;
        Assert.Equal(IpProtocols.IpIp, output[14 + 9]);
        Assert.Equal(Server('A').Address.V4, BinaryPrimitives.ReadUInt32BigEndian(output.AsSpan(14 + 16)));
        Assert.Equal(Convert.ToHexString(FragNeeded.AsSpan(14)), Convert.ToHexString(output.AsSpan(34)));
        Assert.Equal(1, processor.Counters.IcmpRelayed);
    }

    [Fact]
    public void Process_IPv6ErrorTooBigForTheTunnel_DroppedWithoutAnErrorAboutTheError()
    {
        // A 1400-byte link leaves 1360 for the inner packet of a 6in6 tunnel; an (oversized)
        // 1400-byte error does not fit, and icmp6_send never answers an ICMP error.
        var processor = TunnelLab.Processor(TunnelLab.Server6(mtu: 1400));
        processor.Process(ref new HeadroomFrame(Syn6).Packet, Now);
        var quote = new byte[1400 - 48];
        Quote6(Vip6, 80, Client6, 40000).CopyTo(quote, 0);
        var frame = new HeadroomFrame(Error6(DirectorMac, ClientMac, ClientRouter6, Vip6, 2, 0, 1280, quote));

        processor.Process(ref frame.Packet, Now);

        Assert.Equal((Verdict.Drop, DropReason.FragmentationNeeded), (frame.Packet.Verdict, frame.Packet.Reason));
        Assert.Equal(0, processor.Counters.IcmpRelayed);
    }

    [Fact]
    public void Process_ScheduleIcmpOff_ErrorWithoutConnectionSchedulesNothing()
    {
        var lab = new PipelineLab();

        var (packet, _) = lab.Run(FragNeeded, Now);

        Assert.Equal(Verdict.PassToKernel, packet.Verdict);
        Assert.Equal(0, lab.Connections.Count);
    }

    [Fact]
    public void Process_ScheduleIcmpOn_ErrorWithoutConnectionIsScheduledLikeItsFlowAndRelayed()
    {
        var lab = WithScheduleIcmp(new PipelineLab());

        var (packet, output) = lab.Run(FragNeeded, Now);

        // ip_vs_try_to_schedule with the quote inverted: CIP:40000 → VIP:80, no SYN needed.
        Assert.Equal((Verdict.Transmit, EgressIf), (packet.Verdict, packet.EgressIfIndex));
        Assert.Equal(Convert.ToHexString(WithMacs(FragNeeded, MacA, DirectorEgressMac)), Convert.ToHexString(output));
        Assert.True(lab.Connections.Lookup(new FlowKey(IpProtocols.Tcp, Client, 40000, Vip, 80)) >= 0);
        Assert.Equal(1, lab.Counters.ConnectionsCreated);

        // The flow's own packets now follow that connection.
        var (data, dataOut) = lab.Run(Data(40000), Now);
        Assert.Equal((Verdict.Transmit, MacA), (data.Verdict, MacAddress.Read(dataOut)));
    }

    [Fact]
    public void Process_ScheduleIcmpOnForPortWithoutService_LeftToTheHost()
    {
        var lab = WithScheduleIcmp(new PipelineLab());

        var (packet, _) = lab.Run(Error4(DirectorMac, ClientMac, Other, Vip, 3, 4, 1400, Quote4(Vip, 22, Client, 40000)), Now);

        Assert.Equal(Verdict.PassToKernel, packet.Verdict);
        Assert.Equal(0, lab.Connections.Count);
    }

    [Fact]
    public void Process_ScheduleIcmpOnWithoutRealServer_DroppedAsIpVsLeaveDropsIcmp()
    {
        var lab = new PipelineLab();
        lab.SetWebServers();
        WithScheduleIcmp(lab);

        var (packet, _) = lab.Run(FragNeeded, Now);

        Assert.Equal((Verdict.Drop, DropReason.NoRealServer), (packet.Verdict, packet.Reason));
    }

    private static PipelineLab WithScheduleIcmp(PipelineLab lab)
    {
        lab.Holder.Publish(new ServiceTable(lab.Holder.Current.Services, lab.Holder.Current.ArpAnswers, IpvsTunables.Default with { ScheduleIcmp = 1 }));
        return lab;
    }

    /// <summary>The quote with fragment offset 185 (× 8 bytes) and its header checksum redone.</summary>
    private static byte[] NonFirstFragment(byte[] quote)
    {
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(6), 185);
        quote[10] = 0;
        quote[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(10), (ushort)~TunnelLab.OnesSum(quote.AsSpan(0, 20)));
        return quote;
    }

    /// <summary>
    /// The IPv6 frame with an 8-byte fragment header inserted before its ICMPv6 message: an
    /// atomic fragment (offset 0, M clear, RFC 6946), which the fragment cache lets through.
    /// </summary>
    private static byte[] FragmentHeaderBefore(byte[] frame)
    {
        var result = new byte[frame.Length + 8];
        frame.AsSpan(0, 54).CopyTo(result);
        frame.AsSpan(54).CopyTo(result.AsSpan(62));
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(14 + 4), (ushort)(frame.Length - 54 + 8));
        result[14 + 6] = IpProtocols.Ipv6Fragment;
        result[54] = IpProtocols.Icmpv6;
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(54 + 4), 77);
        return result;
    }

    public sealed record DirectCase(string Description, byte[][] Setup, byte[] Input, byte[]? Expected, Verdict Verdict,
        DropReason Reason = DropReason.None, int Egress = 0);
}
