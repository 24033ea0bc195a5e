using System.Buffers.Binary;
using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class Ipv6HeaderTests
{
    private static byte[] Packet(int payload, int bufferExtra = 0)
    {
        var bytes = new byte[40 + payload + bufferExtra];
        PacketWriter.WriteIpv6(bytes, Client6, Vip6, IpProtocols.Tcp, payload, hopLimit: 63, trafficClass: 0xB8, flowLabel: 0xABCDE);
        return bytes;
    }

    [Fact]
    public void TryParse_WrittenHeader_ReadsEveryField()
    {
        Assert.Equal(Ipv6ParseResult.Ok, Ipv6Header.TryParse(Packet(20, bufferExtra: 6), out var ip));
        Assert.Equal(20, ip.PayloadLength);
        Assert.Equal(IpProtocols.Tcp, ip.NextHeader);
        Assert.Equal(63, ip.HopLimit);
        Assert.Equal(0xB8, ip.TrafficClass);
        Assert.Equal(0xABCDEu, ip.FlowLabel);
        Assert.Equal(Client6, ip.Source);
        Assert.Equal(Vip6, ip.Destination);
        Assert.Equal(20, ip.Payload.Length);
        Assert.Equal(60, ip.Bytes.Length);
    }

    [Fact]
    public void TryParse_Malformed_ReportsWhy()
    {
        Assert.Equal(Ipv6ParseResult.Short, Ipv6Header.TryParse(Packet(0).AsSpan(0, 39), out _));

        var v4 = Packet(0);
        v4[0] = 0x45;
        Assert.Equal(Ipv6ParseResult.BadVersion, Ipv6Header.TryParse(v4, out _));

        var longer = Packet(10);
        BinaryPrimitives.WriteUInt16BigEndian(longer.AsSpan(4), 11);
        Assert.Equal(Ipv6ParseResult.BadPayloadLength, Ipv6Header.TryParse(longer, out _));
    }

    [Fact]
    public void AddressSetters_WriteAllSixteenBytes()
    {
        var bytes = Packet(0);
        Assert.Equal(Ipv6ParseResult.Ok, Ipv6Header.TryParse(bytes, out var ip));

        ip.Source = Vip6;
        ip.Destination = Client6;
        ip.HopLimit = 1;

        Assert.Equal(Vip6, ip.Source);
        Assert.Equal(Client6, ip.Destination);
        Assert.Equal(1, bytes[7]);
    }
}
