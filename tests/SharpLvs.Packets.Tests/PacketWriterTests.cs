using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class PacketWriterTests
{
    [Fact]
    public void WriteIpv4_CapturedHeader_ReproducesGoldenBytes()
    {
        var header = new byte[20];
        var written = PacketWriter.WriteIpv4(header, InetAddress.Parse("192.168.0.1"), InetAddress.Parse("192.168.0.199"),
            IpProtocols.Udp, payloadLength: 0x73 - 20);

        Assert.Equal(20, written);
        Assert.Equal(Hex("4500 0073 0000 4000 4011 B861 C0A80001 C0A800C7"), header);
    }

    [Fact]
    public void WriteEthernet_WithVlan_WritesTag()
    {
        var header = new byte[18];
        Assert.Equal(18, PacketWriter.WriteEthernet(header, DirectorMac, ClientMac, EtherTypes.Ipv4, vlanId: 0x123));
        Assert.Equal(Hex("020000000002 020000000001 8100 0123 0800"), header);
    }

    [Fact]
    public void Writers_BufferTooSmall_ReturnZero()
    {
        Assert.Equal(0, PacketWriter.WriteEthernet(new byte[13], DirectorMac, ClientMac, EtherTypes.Ipv4));
        Assert.Equal(0, PacketWriter.WriteEthernet(new byte[17], DirectorMac, ClientMac, EtherTypes.Ipv4, 5));
        Assert.Equal(0, PacketWriter.WriteIpv4(new byte[19], Client4, Vip4, IpProtocols.Tcp, 0));
        Assert.Equal(0, PacketWriter.WriteIpv4(new byte[20], Client4, Vip4, IpProtocols.Tcp, 65516));
        Assert.Equal(0, PacketWriter.WriteIpv6(new byte[39], Client6, Vip6, IpProtocols.Tcp, 0));
        Assert.Equal(0, PacketWriter.WriteTcp(new byte[19], 1, 2, 3, 4, TcpFlags.Syn));
        Assert.Equal(0, PacketWriter.WriteUdp(new byte[7], 1, 2, 0));
        Assert.Equal(0, PacketWriter.WriteIcmp(new byte[7], 8, 0, 0));
    }
}
