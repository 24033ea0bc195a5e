using System.Buffers.Binary;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Forwarding.TunnelLab;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Forwarding;

/// <summary>
/// Outer headers as ip_vs_tunnel_xmit builds them, checked byte by byte against hand-written
/// headers and with an independent checksum; the inner packet must come out unchanged.
/// </summary>
public partial class TunnelForwarderTests
{
    private const int Ip = 14;

    [Fact]
    public void Inbound_Ipip_WritesTheKernelsOuterHeaderInFrontOfTheUnchangedPacket()
    {
        var input = Syn(40000);
        var frame = new HeadroomFrame(input);
        var inbound = Parse(input);

        var reason = TunnelForwarder.Instance.Inbound(ref frame.Packet, inbound, Server4());

        Assert.Equal(DropReason.None, reason);
        Assert.Equal(EgressIf, frame.Packet.EgressIfIndex);
        Assert.Equal(PortHeadroom - 20, frame.Packet.Offset);
        var output = frame.Output;
        byte[] outer =
        [
            0x02, 0, 0, 0, 0, 0xa1, 0x02, 0, 0, 0, 0, 0xd2, 0x08, 0x00,   // to the real server's MAC from ours
            0x45, 0x00, 0x00, 60,                                         // 20 + the 40-byte inner packet
            output[18], output[19], 0x40, 0x00,                           // a fresh ID; DF copied from the inner packet
            64, 4, 0, 0,                                                  // TTL copied, protocol 4 (IP-in-IP)
            198, 18, 1, 254, 198, 18, 1, 1,                               // the route's preferred source → RIP
        ];
        var checksum = (ushort)~OnesSum(outer.AsSpan(Ip, 20));
        outer[24] = (byte)(checksum >> 8);
        outer[25] = (byte)checksum;
        Assert.Equal(Convert.ToHexString([.. outer, .. input.AsSpan(Ip)]), Convert.ToHexString(output));
    }

    [Theory]
    [InlineData(0x00, 64, true, 0x00)]
    [InlineData(0x10, 5, true, 0x10)]
    [InlineData(0xB8, 200, false, 0xB8)]
    [InlineData(0xB9, 64, true, 0xB9)]   // ECT(1) copied
    [InlineData(0xBB, 64, true, 0xBA)]   // CE inside is ECT(0) outside (INET_ECN_encapsulate)
    public void Inbound_Ipip_CopiesTosTtlAndDf(byte tos, byte ttl, bool df, byte outerTos)
    {
        var input = FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 80, TcpFlags.Syn, ttl: ttl);
        input[Ip + 1] = tos;
        input[Ip + 6] = df ? (byte)0x40 : (byte)0;
        RefreshIpv4Checksum(input.AsSpan(Ip));
        var frame = new HeadroomFrame(input);

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));

        var outer = frame.Output.AsSpan(Ip);
        Assert.Equal(outerTos, outer[1]);
        Assert.Equal(df ? 0x40 : 0x00, outer[6]);
        Assert.Equal(ttl, outer[8]);
        Assert.Equal(0xFFFF, OnesSum(outer[..20]));
        Assert.Equal(input.AsSpan(Ip).ToArray(), outer[20..].ToArray());
    }

    [Fact]
    public void Inbound_Ipip_IdentificationChangesPerPacket()
    {
        var a = new HeadroomFrame(Syn(40000));
        var b = new HeadroomFrame(Syn(40000));
        TunnelForwarder.Instance.Inbound(ref a.Packet, Parse(Syn(40000)), Server4());
        TunnelForwarder.Instance.Inbound(ref b.Packet, Parse(Syn(40000)), Server4());

        Assert.NotEqual(a.Output.AsSpan(Ip + 4, 2).ToArray(), b.Output.AsSpan(Ip + 4, 2).ToArray());
    }

    [Fact]
    public void Inbound_Ipv6InnerOverIpv4_Protocol41TrafficClassAndHopLimitNoDf()
    {
        var input = FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, ttl: 33);
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(Ip), (6u << 28) | (0x2Au << 20) | 0x12345);
        var frame = new HeadroomFrame(input);

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));

        var output = frame.Output;
        Assert.Equal(EtherTypes.Ipv4, BinaryPrimitives.ReadUInt16BigEndian(output.AsSpan(12)));
        var outer = output.AsSpan(Ip);
        Assert.Equal(41, outer[9]);
        Assert.Equal(0x2A, outer[1]);
        Assert.Equal(33, outer[8]);
        Assert.Equal(0, outer[6] & 0x40);
        Assert.Equal(20 + input.Length - Ip, BinaryPrimitives.ReadUInt16BigEndian(outer[2..]));
        Assert.Equal(input.AsSpan(Ip).ToArray(), outer[20..].ToArray());
    }

    [Fact]
    public void Inbound_Ipv4InnerToIpv6RealServer_Ipv6OuterHeaderWithNextHeader4()
    {
        var input = FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 80, TcpFlags.Syn, ttl: 17);
        input[Ip + 1] = 0x28;
        RefreshIpv4Checksum(input.AsSpan(Ip));
        var frame = new HeadroomFrame(input);

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server6()));

        var output = frame.Output;
        var innerLength = input.Length - Ip;
        byte[] expected =
        [
            0x02, 0, 0, 0, 0, 0xa1, 0x02, 0, 0, 0, 0, 0xd2, 0x86, 0xDD,
            0x62, 0x80, 0x00, 0x00,                                    // version 6, traffic class 0x28, flow label 0
            (byte)(innerLength >> 8), (byte)innerLength, 4, 17,        // payload length, next header 4, hop limit = TTL
            .. Source6.ToIPAddress().GetAddressBytes(),
            .. Rip6.ToIPAddress().GetAddressBytes(),
            .. input.AsSpan(Ip),
        ];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(output));
    }

    [Fact]
    public void Inbound_VlanTaggedInput_LeavesUntaggedTowardTheRealServer()
    {
        var input = Syn(40000, vlan: 7);
        var frame = new HeadroomFrame(input);

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));

        var output = frame.Output;
        Assert.Equal(PortHeadroom + 18 - 20 - 14, frame.Packet.Offset);
        Assert.Equal(EtherTypes.Ipv4, BinaryPrimitives.ReadUInt16BigEndian(output.AsSpan(12)));
        Assert.Equal(4, output[Ip + 9]);
        Assert.Equal(input.AsSpan(18).ToArray(), output.AsSpan(Ip + 20).ToArray());
    }

    [Fact]
    public void Inbound_EthernetPadding_IsNotCarriedInsideTheTunnel()
    {
        var input = Syn(40000);
        var padded = new byte[input.Length + 6];
        input.CopyTo(padded, 0);
        var frame = new HeadroomFrame(padded);

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(padded), Server4()));

        Assert.Equal(14 + 20 + input.Length - Ip, frame.Packet.Length);
    }

    [Theory]
    [InlineData(TunnelChecksum.None)]
    [InlineData(TunnelChecksum.Checksum)]
    public void Inbound_Gue_UdpToTheTunnelPortWithVersion0Header(TunnelChecksum checksum)
    {
        var input = Data(40000);
        var frame = new HeadroomFrame(input);
        var server = Server4(new TunnelSettings(TunnelEncapsulation.Gue, 6080, checksum));

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), server));

        var output = frame.Output;
        var inner = input.AsSpan(Ip);
        var outer = output.AsSpan(Ip);
        Assert.Equal(17, outer[9]);
        Assert.Equal(20 + 8 + 4 + inner.Length, BinaryPrimitives.ReadUInt16BigEndian(outer[2..]));
        Assert.Equal(0xFFFF, OnesSum(outer[..20]));
        var udp = outer[20..];
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(udp);
        Assert.InRange(sourcePort, 32768, 60998);
        Assert.Equal(6080, BinaryPrimitives.ReadUInt16BigEndian(udp[2..]));
        Assert.Equal(8 + 4 + inner.Length, BinaryPrimitives.ReadUInt16BigEndian(udp[4..]));
        Assert.Equal(new byte[] { 0x00, 0x04, 0x00, 0x00 }, udp.Slice(8, 4).ToArray());   // ver 0, hlen 0, proto 4, no flags
        Assert.Equal(inner.ToArray(), udp[12..].ToArray());
        if (checksum == TunnelChecksum.None)
        {
            Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(udp[6..]));
        }
        else
        {
            Assert.Equal(0xFFFF, OnesSum(udp, PseudoSum([198, 18, 1, 254], [198, 18, 1, 1], 17, udp.Length)));
        }
    }

    [Fact]
    public void Inbound_Gue_OneFlowKeepsOneSourcePort()
    {
        var server = Server4(new TunnelSettings(TunnelEncapsulation.Gue, 6080));
        var a = new HeadroomFrame(Syn(40000));
        var b = new HeadroomFrame(Data(40000));
        TunnelForwarder.Instance.Inbound(ref a.Packet, Parse(Syn(40000)), server);
        TunnelForwarder.Instance.Inbound(ref b.Packet, Parse(Data(40000)), server);

        Assert.Equal(a.Output.AsSpan(Ip + 20, 2).ToArray(), b.Output.AsSpan(Ip + 20, 2).ToArray());
    }

    [Fact]
    public void Inbound_GueRemoteChecksumOnPartialPacket_AddsTheOptionAndLeavesTheSumToTheReceiver()
    {
        var input = PartialData(out var partialField);
        var frame = new HeadroomFrame(input);
        frame.Packet.NeedsChecksum = true;
        frame.Packet.ChecksumStart = 34;
        frame.Packet.ChecksumOffset = 16;
        var server = Server4(new TunnelSettings(TunnelEncapsulation.Gue, 6080, TunnelChecksum.Remote));

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), server));

        Assert.False(frame.Packet.NeedsChecksum);
        var udp = frame.Output.AsSpan(Ip + 20);
        byte[] gue = [0x02, 0x04, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 20, 0x00, 36];   // hlen 2, PRIV; REMCSUM; start 20, field 36
        Assert.Equal(Convert.ToHexString(gue), Convert.ToHexString(udp.Slice(8, 12)));
        var inner = udp[20..];
        Assert.Equal(partialField, BinaryPrimitives.ReadUInt16BigEndian(inner[36..]));
        Assert.Equal(0xFFFF, OnesSum(udp, PseudoSum([198, 18, 1, 254], [198, 18, 1, 1], 17, udp.Length)));
    }

    [Fact]
    public void Inbound_GueRemoteChecksumOnCompletePacket_NoOption()
    {
        var input = Data(40000);
        var frame = new HeadroomFrame(input);
        var server = Server4(new TunnelSettings(TunnelEncapsulation.Gue, 6080, TunnelChecksum.Remote));

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), server));

        Assert.Equal(new byte[] { 0x00, 0x04, 0x00, 0x00 }, frame.Output.AsSpan(Ip + 28, 4).ToArray());
    }

    [Fact]
    public void Inbound_GueChecksumOnPartialPacket_CompletesTheInnerSumFirst()
    {
        var input = PartialData(out _);
        var frame = new HeadroomFrame(input);
        frame.Packet.NeedsChecksum = true;
        frame.Packet.ChecksumStart = 34;
        frame.Packet.ChecksumOffset = 16;
        var server = Server4(new TunnelSettings(TunnelEncapsulation.Gue, 6080, TunnelChecksum.Checksum));

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), server));

        Assert.False(frame.Packet.NeedsChecksum);
        Assert.Equal(Convert.ToHexString(Data(40000).AsSpan(Ip)), Convert.ToHexString(frame.Output.AsSpan(Ip + 32)));
    }

    [Fact]
    public void Inbound_IpipOnPartialPacket_MovesTheChecksumStartWithTheFrame()
    {
        var input = PartialData(out _);
        var frame = new HeadroomFrame(input);
        frame.Packet.NeedsChecksum = true;
        frame.Packet.ChecksumStart = 34;
        frame.Packet.ChecksumOffset = 16;

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));

        Assert.True(frame.Packet.NeedsChecksum);
        Assert.Equal(54, frame.Packet.ChecksumStart);
        var output = frame.Output;
        Assert.True(Checksum.CompletePartial(output, frame.Packet.ChecksumStart, frame.Packet.ChecksumOffset));
        Assert.Equal(Convert.ToHexString(Data(40000).AsSpan(Ip)), Convert.ToHexString(output.AsSpan(Ip + 20)));
    }

    [Theory]
    [InlineData(TunnelChecksum.None, "00000800")]
    [InlineData(TunnelChecksum.Checksum, "80000800")]
    public void Inbound_Gre_HeaderWithInnerEtherTypeAndOptionalChecksum(TunnelChecksum checksum, string firstWord)
    {
        var input = Syn(40000);
        var frame = new HeadroomFrame(input);
        var server = Server4(new TunnelSettings(TunnelEncapsulation.Gre, 0, checksum));

        Assert.Equal(DropReason.None, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), server));

        var outer = frame.Output.AsSpan(Ip);
        Assert.Equal(47, outer[9]);
        var gre = outer[20..];
        Assert.Equal(firstWord, Convert.ToHexString(gre[..4]));
        if (checksum != TunnelChecksum.None)
        {
            Assert.Equal(0xFFFF, OnesSum(gre));
        }

        Assert.Equal(input.AsSpan(Ip).ToArray(), gre[(checksum == TunnelChecksum.None ? 4 : 8)..].ToArray());
    }


    [Fact]
    public void Forwarders_For_TunnelIsTheTunnelForwarder() =>
        Assert.Same(TunnelForwarder.Instance, Forwarders.For(ForwardingMethod.Tunnel));

    /// <summary>A DF TCP segment whose IP packet is <paramref name="ipLength"/> bytes.</summary>
    internal static byte[] Sized(int ipLength, ushort vlan = 0) =>
        FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 80, TcpFlags.Ack, new byte[ipLength - 40], vlan: vlan);

    /// <summary><see cref="PipelineLab.Data"/> as a local sender hands it over: the TCP checksum field holds the pseudo-header sum.</summary>
    private static byte[] PartialData(out ushort partialField)
    {
        var frame = Data(40000);
        var segmentLength = frame.Length - 34;
        partialField = (ushort)PseudoSum(frame.AsSpan(Ip + 12, 4), frame.AsSpan(Ip + 16, 4), 6, segmentLength);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(34 + 16), partialField);
        return frame;
    }

    private static void RefreshIpv4Checksum(Span<byte> ip)
    {
        ip[10] = 0;
        ip[11] = 0;
        var checksum = (ushort)~OnesSum(ip[..20]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], checksum);
    }
}
