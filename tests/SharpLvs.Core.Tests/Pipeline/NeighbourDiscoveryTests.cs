using System.Buffers.Binary;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Neighbour Solicitations for a VIP that lvsd answers (fd00:198:18::100 on the ingress
/// interface, see <see cref="PipelineLab"/>) become Neighbour Advertisements (RFC 4861
/// §7.2.4); invalid ones (§7.1.1) are dropped; the rest is the host's. The frames are written
/// out field by field from RFC 4861 §4.3/§4.4 and RFC 8200 §3, checksums from RFC 4443 §2.3
/// computed independently of SharpLvs.Packets.
/// </summary>
public class NeighbourDiscoveryTests
{
    // Solicitation from the router fd00:198:18::1 (MAC 02:00:00:00:00:0c) to the VIP's
    // solicited-node group ff02::1:ff00:100 (33:33:ff:00:01:00), with its source link-layer option.
    internal const string MulticastSolicitation =
        "3333FF000100" + "02000000000C" + "86DD"
        + "60000000" + "0020" + "3A" + "FF"                        // version 6, payload 32, ICMPv6, hop limit 255
        + "FD000198001800000000000000000001"                       // source fd00:198:18::1
        + "FF0200000000000000000001FF000100"                       // destination ff02::1:ff00:100
        + "87" + "00" + "7830" + "00000000"                        // type 135, code 0, checksum, reserved
        + "FD000198001800000000000000000100"                       // target: the VIP
        + "01" + "01" + "02000000000C";                            // source link-layer address option

    // The advertisement back to the router: from the VIP, hop limit 255, Solicited and Override
    // set, Router clear, the director's MAC in the target link-layer address option.
    private const string AdvertisementToRouter =
        "02000000000C" + "0200000000D1" + "86DD"
        + "60000000" + "0020" + "3A" + "FF"
        + "FD000198001800000000000000000100"                       // source: the VIP
        + "FD000198001800000000000000000001"                       // destination: the solicitor
        + "88" + "00" + "14BF" + "60000000"                        // type 136, code 0, checksum, S|O
        + "FD000198001800000000000000000100"                       // target
        + "02" + "01" + "0200000000D1";                            // target link-layer address option

    // Unicast solicitation (neighbour unreachability detection) to the VIP, no options.
    internal const string UnicastSolicitation =
        "0200000000D1" + "02000000000C" + "86DD"
        + "60000000" + "0018" + "3A" + "FF"
        + "FD000198001800000000000000000001"
        + "FD000198001800000000000000000100"
        + "87" + "00" + "7A99" + "00000000"
        + "FD000198001800000000000000000100";

    // Duplicate address detection probe: unspecified source, no options (RFC 4862 §5.4.2).
    internal const string DadProbe =
        "3333FF000100" + "02000000000C" + "86DD"
        + "60000000" + "0018" + "3A" + "FF"
        + "00000000000000000000000000000000"
        + "FF0200000000000000000001FF000100"
        + "87" + "00" + "79F7" + "00000000"
        + "FD000198001800000000000000000100";

    // §7.2.4: to all-nodes ff02::1 (33:33:00:00:00:01), Solicited clear, Override set.
    private const string DadAdvertisement =
        "333300000001" + "0200000000D1" + "86DD"
        + "60000000" + "0020" + "3A" + "FF"
        + "FD000198001800000000000000000100"
        + "FF020000000000000000000000000001"
        + "88" + "00" + "546D" + "20000000"
        + "FD000198001800000000000000000100"
        + "02" + "01" + "0200000000D1";

    private const int L3 = EthernetFrame.MinHeaderLength;
    private const int Icmp = L3 + Ipv6Header.HeaderLength;

    public delegate byte[] Mutation(byte[] frame);

    public sealed record Fixture(string Description, string Input, string? Expected, Verdict Verdict,
        DropReason Reason = DropReason.None, PacketClass Class = PacketClass.Multicast, int Ingress = IngressIf, Mutation? Change = null,
        bool ChangeExpected = false);

    public static readonly Fixture[] Fixtures =
    [
        new("multicast NS for the VIP is answered to the solicitor's link-layer option",
            MulticastSolicitation, AdvertisementToRouter, Verdict.Transmit),
        new("unicast NS for the VIP without options is answered to the frame's sender",
            UnicastSolicitation, AdvertisementToRouter, Verdict.Transmit, Class: PacketClass.Host),
        new("DAD probe for the VIP is answered to all-nodes, not solicited",
            DadProbe, DadAdvertisement, Verdict.Transmit),
        new("NS in a VLAN is answered in the same VLAN",
            MulticastSolicitation, AdvertisementToRouter, Verdict.Transmit, Change: f => Tagged(f, 7), ChangeExpected: true),
        new("NS with a hop limit below 255 is dropped (off-link sender)",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Change: f => Set(f, L3 + 7, 64)),
        new("NS with code 1 is dropped",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Change: f => Resum(Set(f, Icmp + 1, 1))),
        new("NS with a bad checksum is dropped",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Change: f => Set(f, Icmp + 3, 0x31)),
        new("NS with a zero-length option is dropped",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Change: f => Resum(Set(f, Icmp + 25, 0))),
        new("NS with an option running past the message is dropped",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Change: f => Resum(Set(f, Icmp + 25, 2))),
        new("NS with a 16-byte source link-layer option is dropped (not an Ethernet address)",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation,
            Change: f => Resum(Set(Grow(f, 8), Icmp + 25, 2))),
        new("DAD probe carrying a source link-layer option is dropped",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Change: f => Resum(Unspecified(f))),
        new("DAD probe to a unicast destination is dropped",
            DadProbe, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Class: PacketClass.Host,
            Change: f => Resum(Destination(f, "fd00:198:18::100"))),
        new("NS from a multicast source is dropped",
            MulticastSolicitation, null, Verdict.Drop, DropReason.BadNeighbourSolicitation, Change: f => Resum(Set(f, L3 + 8, 0xFF))),
        new("NS for another address passes to the host",
            MulticastSolicitation, null, Verdict.PassToKernel, Change: f => Resum(Target(f, "fd00:198:18::2"))),
        new("NS with a multicast target passes (never a VIP; the host's ndisc discards it)",
            MulticastSolicitation, null, Verdict.PassToKernel, Change: f => Resum(Target(f, "ff02::1"))),
        new("NS for the VIP on another interface passes",
            MulticastSolicitation, null, Verdict.PassToKernel, Ingress: 5),
        new("NS shorter than 24 ICMPv6 bytes passes (no target to read)",
            UnicastSolicitation, null, Verdict.PassToKernel, Class: PacketClass.Host, Change: f => Set(f, L3 + 5, 16)),
        new("NS seen in promiscuous mode (another host's) passes",
            UnicastSolicitation, null, Verdict.PassToKernel, Class: PacketClass.OtherHost),
        new("neighbour advertisement for the VIP passes",
            AdvertisementToRouter, null, Verdict.PassToKernel, Class: PacketClass.Host),
    ];

    public static TheoryData<string> Descriptions => new(Fixtures.Select(f => f.Description));

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Process_NeighbourFixture_GivesExpectedFrameAndVerdict(string description)
    {
        var fixture = Fixtures.Single(f => f.Description == description);
        var input = Convert.FromHexString(fixture.Input);
        var expected = fixture.Expected is null ? null : Convert.FromHexString(fixture.Expected);
        if (fixture.Change is { } change)
        {
            input = change(input);
            expected = expected is not null && fixture.ChangeExpected ? change(expected) : expected;
        }

        var lab = new PipelineLab();
        using var buffer = new PinnedFrame(input);
        var packet = buffer.Descriptor(fixture.Ingress, fixture.Class);
        lab.Processor.Process(ref packet, 1_000_000);

        Assert.Equal((fixture.Verdict, fixture.Reason), (packet.Verdict, packet.Reason));
        Assert.Equal(Convert.ToHexString(expected ?? input), Convert.ToHexString(packet.Frame));
        Assert.Equal(fixture.Verdict == Verdict.Transmit ? fixture.Ingress : 0, packet.EgressIfIndex);
        Assert.Equal(fixture.Verdict == Verdict.Transmit ? 1 : 0, lab.Counters.NeighbourAdvertisements);
        Assert.Equal(0, lab.Counters.ArpReplies);
        if (fixture.Verdict == Verdict.Drop)
        {
            Assert.Equal(1, lab.Counters.Dropped(fixture.Reason));
        }
    }

    [Fact]
    public void Process_AdvertisementFixtures_ChecksumsVerifyIndependently()
    {
        foreach (var hex in new[] { MulticastSolicitation, UnicastSolicitation, DadProbe, AdvertisementToRouter, DadAdvertisement })
        {
            var frame = Convert.FromHexString(hex);
            Assert.Equal(0xFFFF, Sum(frame, L3));
        }
    }

    [Fact]
    public void Process_NoAnswerConfigured_SolicitationPasses()
    {
        var lab = new PipelineLab();
        lab.Holder.Publish(new ServiceTable(lab.Holder.Current.Services, []));

        var (packet, output) = lab.Run(Convert.FromHexString(MulticastSolicitation));

        Assert.Equal(Verdict.PassToKernel, packet.Verdict);
        Assert.Equal(MulticastSolicitation, Convert.ToHexString(output));
    }

    private static byte[] Set(byte[] frame, int offset, byte value)
    {
        frame[offset] = value;
        return frame;
    }

    private static byte[] Target(byte[] frame, string address)
    {
        InetAddress.Parse(address).WriteTo(frame.AsSpan(Icmp + 8, 16));
        return frame;
    }

    private static byte[] Destination(byte[] frame, string address)
    {
        InetAddress.Parse(address).WriteTo(frame.AsSpan(L3 + 24, 16));
        return frame;
    }

    private static byte[] Unspecified(byte[] frame)
    {
        frame.AsSpan(L3 + 8, 16).Clear();
        return frame;
    }

    /// <summary>Appends <paramref name="bytes"/> zero bytes to the message and its payload length.</summary>
    private static byte[] Grow(byte[] frame, int bytes)
    {
        var grown = new byte[frame.Length + bytes];
        frame.CopyTo(grown, 0);
        BinaryPrimitives.WriteUInt16BigEndian(grown.AsSpan(L3 + 4), (ushort)(grown.Length - Icmp));
        return grown;
    }

    /// <summary>An 802.1Q tag (TPID 0x8100) inserted after the MAC addresses.</summary>
    private static byte[] Tagged(byte[] frame, ushort vlan)
    {
        var tagged = new byte[frame.Length + 4];
        frame.AsSpan(0, 12).CopyTo(tagged);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(12), 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(14), vlan);
        frame.AsSpan(12).CopyTo(tagged.AsSpan(16));
        return tagged;
    }

    /// <summary>Recomputes the ICMPv6 checksum of an untagged frame (RFC 4443 §2.3, RFC 1071).</summary>
    private static byte[] Resum(byte[] frame)
    {
        frame[Icmp + 2] = 0;
        frame[Icmp + 3] = 0;
        var sum = (ushort)~Sum(frame, L3);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(Icmp + 2), sum);
        return frame;
    }

    /// <summary>The one's-complement sum of the pseudo-header (RFC 8200 §8.1) and the ICMPv6 message.</summary>
    private static ushort Sum(byte[] frame, int l3)
    {
        var length = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(l3 + 4));
        var words = new List<int>();
        for (var i = l3 + 8; i < l3 + 40; i += 2)
        {
            words.Add(BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(i)));
        }

        words.Add(length);
        words.Add(58);
        var message = frame.AsSpan(l3 + 40, length);
        for (var i = 0; i < message.Length; i += 2)
        {
            words.Add(i + 1 < message.Length ? BinaryPrimitives.ReadUInt16BigEndian(message[i..]) : message[i] << 8);
        }

        long total = words.Sum();
        while (total > 0xFFFF)
        {
            total = (total & 0xFFFF) + (total >> 16);
        }

        return (ushort)total;
    }
}
