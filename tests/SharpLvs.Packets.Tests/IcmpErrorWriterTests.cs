using System.Buffers.Binary;

namespace SharpLvs.Packets.Tests;

public class IcmpErrorWriterTests
{
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");
    private static readonly InetAddress Client = InetAddress.Parse("198.19.0.100");

    [Theory]
    [InlineData(40, 40)]
    [InlineData(548, 548)]
    [InlineData(1500, 548)]   // 576 − 20 − 8 (icmp_send)
    public void Ipv4QuoteLength_CappedAt576BytesInAll(int offending, int expected) =>
        Assert.Equal(expected, IcmpErrorWriter.Ipv4QuoteLength(offending));

    [Theory]
    [InlineData(1500, 1232)]  // 1280 − 40 − 8 (icmp6_send)
    [InlineData(100, 100)]
    public void Ipv6QuoteLength_CappedAtTheMinimumMtu(int offending, int expected) =>
        Assert.Equal(expected, IcmpErrorWriter.Ipv6QuoteLength(offending));

    [Theory]
    [InlineData(0x00, 0xC0)]
    [InlineData(0xB8, 0xD8)]  // EF keeps its TOS bits (0x18), precedence becomes internetwork control
    [InlineData(0x03, 0xC2)]  // ECN bits do not survive (RT_TOS)
    public void Ipv4ErrorTos_TosBitsWithInternetworkControl(byte tos, byte expected) =>
        Assert.Equal(expected, IcmpErrorWriter.Ipv4ErrorTos(tos));

    [Fact]
    public void WriteIpv4Error_HeadersInFrontOfTheQuoteWithValidChecksums()
    {
        var quote = FrameBuilder.Tcp(default, default, Client, 40000, Vip, 80, TcpFlags.Syn)[14..];
        var packet = new byte[28 + quote.Length];
        quote.CopyTo(packet, 28);

        var written = IcmpErrorWriter.WriteIpv4Error(packet, Vip, Client, IcmpTypes.DestinationUnreachable,
            IcmpTypes.CodeFragmentationNeeded, 1480, 0xC0, 7);

        Assert.Equal(packet.Length, written);
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(packet, out var ip));
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.False(ip.DontFragment);
        Assert.Equal(IpProtocols.Icmp, ip.Protocol);
        Assert.Equal(Vip, ip.Source);
        Assert.Equal(Client, ip.Destination);
        Assert.Equal(TransportParseResult.Ok, IcmpHeader.TryParse(ip.Payload, out var icmp));
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(1480, icmp.NextHopMtu);
        Assert.Equal(quote, icmp.EmbeddedPacket.ToArray());
    }

    [Fact]
    public void WriteIpv6Error_PacketTooBigWithValidChecksum()
    {
        var source = InetAddress.Parse("fd00:198:18::250");
        var destination = InetAddress.Parse("fd00:198:19::100");
        var packet = new byte[48 + 60];

        Assert.Equal(packet.Length, IcmpErrorWriter.WriteIpv6Error(packet, source, destination, Icmpv6Types.PacketTooBig, 0, 1280));

        Assert.Equal(60 + 8, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)));
        Assert.Equal(IpProtocols.Icmpv6, packet[6]);
        Assert.True(Checksum.VerifyTransport(packet.AsSpan(40), source, destination, IpProtocols.Icmpv6));
        Assert.Equal(1280u, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(44)));
    }

    [Fact]
    public void Write_TooSmallTooLargeOrWrongFamily_WritesNothing()
    {
        Assert.Equal(0, IcmpErrorWriter.WriteIpv4Error(new byte[27], Vip, Client, 3, 4, 0, 0, 0));
        Assert.Equal(0, IcmpErrorWriter.WriteIpv4Error(new byte[577], Vip, Client, 3, 4, 0, 0, 0));
        Assert.Equal(0, IcmpErrorWriter.WriteIpv4Error(new byte[100], InetAddress.Parse("::1"), Client, 3, 4, 0, 0, 0));
        Assert.Equal(0, IcmpErrorWriter.WriteIpv6Error(new byte[100], Vip, Client, 2, 0, 0));
        Assert.Equal(0, IcmpErrorWriter.WriteIpv6Error(new byte[1281], InetAddress.Parse("::1"), InetAddress.Parse("::2"), 2, 0, 0));
    }
}
