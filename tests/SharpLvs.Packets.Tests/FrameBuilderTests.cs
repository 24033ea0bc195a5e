using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class FrameBuilderTests
{
    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 42)]
    [InlineData(true, 0)]
    [InlineData(true, 4094)]
    public void Tcp_ParsesBackWithValidChecksums(bool ipv6, ushort vlan)
    {
        var (src, dst) = ipv6 ? (Client6, Vip6) : (Client4, Vip4);
        var frame = FrameBuilder.Tcp(DirectorMac, ClientMac, src, 40000, dst, 80, TcpFlags.Psh | TcpFlags.Ack,
            "GET / HTTP/1.0\r\n\r\n"u8, seq: 1000, ack: 2000, vlan: vlan);

        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(vlan == 0 ? 0 : 1, eth.VlanTagCount);
        Assert.Equal(vlan, eth.OuterVlanId);
        var segment = IpPayload(eth, src, dst, IpProtocols.Tcp);
        Assert.Equal(TransportParseResult.Ok, TcpHeader.TryParse(segment, out var tcp));
        Assert.Equal(40000, tcp.SourcePort);
        Assert.Equal(80, tcp.DestinationPort);
        Assert.Equal(1000u, tcp.SequenceNumber);
        Assert.Equal(2000u, tcp.AcknowledgmentNumber);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, tcp.Flags);
        Assert.Equal("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), tcp.Payload.ToArray());
        Assert.True(Checksum.VerifyTransport(segment, src, dst, IpProtocols.Tcp));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Udp_ParsesBackWithValidChecksums(bool ipv6)
    {
        var (src, dst) = ipv6 ? (Client6, Vip6) : (Client4, Vip4);
        var frame = FrameBuilder.Udp(DirectorMac, ClientMac, src, 5353, dst, 53, [1, 2, 3]);

        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        var datagram = IpPayload(eth, src, dst, IpProtocols.Udp);
        Assert.Equal(TransportParseResult.Ok, UdpHeader.TryParse(datagram, out var udp));
        Assert.Equal(5353, udp.SourcePort);
        Assert.Equal(53, udp.DestinationPort);
        Assert.Equal([1, 2, 3], udp.Payload.ToArray());
        Assert.NotEqual(0, udp.Checksum);
        Assert.True(Checksum.VerifyTransport(datagram, src, dst, IpProtocols.Udp));
    }

    [Fact]
    public void Tcp_MixedFamilies_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameBuilder.Tcp(DirectorMac, ClientMac, Client4, 1, Vip6, 2, TcpFlags.Syn));
    }

    [Fact]
    public void Udp_PayloadTooLarge_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameBuilder.Udp(DirectorMac, ClientMac, Client4, 1, Vip4, 2, new byte[65508]));
    }

    private static Span<byte> IpPayload(EthernetFrame eth, InetAddress src, InetAddress dst, byte protocol)
    {
        if (src.IsIPv4)
        {
            Assert.Equal(EtherTypes.Ipv4, eth.EtherType);
            Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(eth.Payload, out var ip4));
            Assert.True(ip4.IsHeaderChecksumValid);
            Assert.Equal(protocol, ip4.Protocol);
            Assert.Equal(src, ip4.Source);
            Assert.Equal(dst, ip4.Destination);
            return ip4.Payload;
        }

        Assert.Equal(EtherTypes.Ipv6, eth.EtherType);
        Assert.Equal(Ipv6ParseResult.Ok, Ipv6Header.TryParse(eth.Payload, out var ip6));
        Assert.Equal(protocol, ip6.NextHeader);
        Assert.Equal(src, ip6.Source);
        Assert.Equal(dst, ip6.Destination);
        return ip6.Payload;
    }
}
