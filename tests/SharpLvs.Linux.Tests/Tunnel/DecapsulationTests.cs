using System.Buffers.Binary;
using SharpLvs.Linux.Tunnel;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Tunnel;

/// <summary>What a TUN real server unwraps: IP-in-IP as a raw socket hands it over, and GUE payloads.</summary>
public class DecapsulationTests
{
    private static readonly MacAddress Mac = new(0x02_00_00_00_00_01UL);
    private static readonly InetAddress Client = InetAddress.Parse("198.19.0.100");
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");

    private static byte[] Inner() => FrameBuilder.Tcp(Mac, Mac, Client, 40000, Vip, 80, TcpFlags.Syn)[14..];

    private static byte[] Inner6() =>
        FrameBuilder.Tcp(Mac, Mac, InetAddress.Parse("fd00:198:19::100"), 40000, InetAddress.Parse("fd00:198:18::250"), 80, TcpFlags.Syn)[14..];

    /// <summary>An outer IPv4 header (with <paramref name="protocol"/>) in front of <paramref name="payload"/>, plus trailing junk.</summary>
    private static byte[] Outer(byte protocol, byte[] payload, int junk = 0)
    {
        var packet = new byte[20 + payload.Length + junk];
        PacketWriter.WriteIpv4(packet, InetAddress.Parse("198.18.0.11"), InetAddress.Parse("198.18.0.21"), protocol, payload.Length);
        payload.CopyTo(packet, 20);
        return packet;
    }

    [Fact]
    public void FromIpv4Packet_IpIp_InnerPacketTrimmedToItsLength()
    {
        var inner = Inner();
        var packet = Outer(IpProtocols.IpIp, [.. inner, 0, 0, 0]);

        Assert.Equal(DecapsulationDrop.None, Decapsulation.FromIpv4Packet(packet, out var result));
        Assert.Equal(inner, result.ToArray());
    }

    [Fact]
    public void FromIpv4Packet_Ipv6InIpv4_Protocol41()
    {
        var inner = Inner6();

        Assert.Equal(DecapsulationDrop.None, Decapsulation.FromIpv4Packet(Outer(IpProtocols.Ipv6, inner), out var result));
        Assert.Equal(inner, result.ToArray());
    }

    [Theory]
    [InlineData("outer cut short", DecapsulationDrop.BadOuterHeader)]
    [InlineData("outer total length beyond the datagram", DecapsulationDrop.BadOuterHeader)]
    [InlineData("not a tunnel protocol", DecapsulationDrop.NotTunnelProtocol)]
    [InlineData("protocol 4 carrying IPv6", DecapsulationDrop.BadInnerPacket)]
    [InlineData("inner length beyond the payload", DecapsulationDrop.BadInnerPacket)]
    public void FromIpv4Packet_Malformed_DroppedByReason(string description, DecapsulationDrop expected)
    {
        var packet = description switch
        {
            "outer cut short" => Outer(IpProtocols.IpIp, Inner())[..19],
            "outer total length beyond the datagram" => Outer(IpProtocols.IpIp, Inner())[..30],
            "not a tunnel protocol" => Outer(IpProtocols.Udp, Inner()),
            "protocol 4 carrying IPv6" => Outer(IpProtocols.IpIp, Inner6()),
            _ => Outer(IpProtocols.IpIp, Inner()[..30]),
        };

        Assert.Equal(expected, Decapsulation.FromIpv4Packet(packet, out _));
    }

    [Fact]
    public void FromGue_Version0_InnerPacket()
    {
        var inner = Inner();
        var payload = new byte[4 + inner.Length];
        GueHeader.Write(payload, IpProtocols.IpIp);
        inner.CopyTo(payload, 4);

        Assert.Equal(DecapsulationDrop.None, Decapsulation.FromGue(payload, out var result));
        Assert.Equal(inner, result.ToArray());
    }

    [Fact]
    public void FromGue_Version1_DirectIpPacket()
    {
        var inner = Inner();

        Assert.Equal(DecapsulationDrop.None, Decapsulation.FromGue(inner, out var result));
        Assert.Equal(inner, result.ToArray());
    }

    [Fact]
    public void FromGue_RemoteChecksum_CompletesTheInnerChecksum()
    {
        var inner = Inner();
        var expected = inner.ToArray();

        // As the director sends it: the TCP checksum field holds the pseudo-header sum.
        var pseudo = Checksum.Fold(Checksum.PseudoHeaderSum(Client, Vip, IpProtocols.Tcp, inner.Length - 20));
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(20 + 16), pseudo);
        var payload = new byte[12 + inner.Length];
        Assert.Equal(12, GueHeader.Write(payload, IpProtocols.IpIp, 20, 36));
        inner.CopyTo(payload, 12);

        Assert.Equal(DecapsulationDrop.None, Decapsulation.FromGue(payload, out var result));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(result));
    }

    [Fact]
    public void FromGue_ControlAndBadHeaders_Dropped()
    {
        var control = new byte[4 + 40];
        GueHeader.Write(control, IpProtocols.IpIp);
        control[0] |= 0x20;
        var badRemote = new byte[12 + 40];
        GueHeader.Write(badRemote, IpProtocols.IpIp, 30, 200);
        Inner().CopyTo(badRemote, 12);

        Assert.Equal(DecapsulationDrop.GueControl, Decapsulation.FromGue(control, out _));
        Assert.Equal(DecapsulationDrop.BadGueHeader, Decapsulation.FromGue(new byte[] { 0x03, 4, 0, 0 }, out _));
        Assert.Equal(DecapsulationDrop.BadGueHeader, Decapsulation.FromGue(new byte[] { 0x80, 4, 0, 0 }, out _));
        Assert.Equal(DecapsulationDrop.BadGueHeader, Decapsulation.FromGue(new byte[] { 0x00, 4 }, out _));
        Assert.Equal(DecapsulationDrop.BadRemoteChecksum, Decapsulation.FromGue(badRemote, out _));
    }
}

public class GreDecapsulationTests
{
    private static readonly MacAddress Mac = new(0x02_00_00_00_00_01UL);

    private static byte[] Inner() =>
        FrameBuilder.Tcp(Mac, Mac, InetAddress.Parse("198.19.0.100"), 40000, InetAddress.Parse("198.18.0.250"), 80, TcpFlags.Syn)[14..];

    [Theory]
    [InlineData("00000800", 4)]
    [InlineData("80000800", 8)]            // checksum present (--tun-csum)
    [InlineData("B0000800", 16)]           // checksum, key and sequence
    public void FromGre_InnerIpv4(string header, int headerLength)
    {
        var inner = Inner();
        var payload = new byte[headerLength + inner.Length];
        Convert.FromHexString(header).CopyTo(payload, 0);
        inner.CopyTo(payload, headerLength);

        Assert.Equal(DecapsulationDrop.None, Decapsulation.FromGre(payload, out var result));
        Assert.Equal(inner, result.ToArray());
    }

    [Theory]
    [InlineData("0000")]
    [InlineData("00016558")]               // version 1
    [InlineData("40000800")]               // routing present
    [InlineData("00006558")]               // transparent Ethernet bridging, not IP
    [InlineData("8000080000")]             // checksum flag, field cut short
    public void FromGre_Malformed_BadGreHeader(string bytes) =>
        Assert.Equal(DecapsulationDrop.BadGreHeader, Decapsulation.FromGre(Convert.FromHexString(bytes), out _));
}
