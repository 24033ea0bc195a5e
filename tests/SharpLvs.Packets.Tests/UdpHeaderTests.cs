using System.Buffers.Binary;

namespace SharpLvs.Packets.Tests;

public class UdpHeaderTests
{
    [Fact]
    public void TryParse_WrittenHeader_ReadsFieldsAndBoundsPayloadByLength()
    {
        var datagram = new byte[20];
        PacketWriter.WriteUdp(datagram, 5353, 53, payloadLength: 4);

        Assert.Equal(TransportParseResult.Ok, UdpHeader.TryParse(datagram, out var udp));
        Assert.Equal(5353, udp.SourcePort);
        Assert.Equal(53, udp.DestinationPort);
        Assert.Equal(12, udp.Length);
        Assert.Equal(0, udp.Checksum);
        Assert.Equal(4, udp.Payload.Length);
        Assert.Equal(12, udp.Bytes.Length);
    }

    [Theory]
    [InlineData(7, 8, TransportParseResult.Short)]
    [InlineData(8, 7, TransportParseResult.BadLength)]
    [InlineData(8, 0, TransportParseResult.BadLength)]
    [InlineData(8, 9, TransportParseResult.BadLength)]
    [InlineData(8, 8, TransportParseResult.Ok)]
    [InlineData(100, 9, TransportParseResult.Ok)]
    public void TryParse_LengthField_CheckedAgainstDatagram(int bufferLength, ushort lengthField, TransportParseResult expected)
    {
        var datagram = new byte[Math.Max(bufferLength, 8)];
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), lengthField);
        Assert.Equal(expected, UdpHeader.TryParse(datagram.AsSpan(0, bufferLength), out _));
    }

    [Fact]
    public void PortSetters_WriteNetworkOrder()
    {
        var datagram = new byte[8];
        PacketWriter.WriteUdp(datagram, 1, 2, 0);
        Assert.Equal(TransportParseResult.Ok, UdpHeader.TryParse(datagram, out var udp));

        udp.SourcePort = 0x1234;
        udp.DestinationPort = 0xABCD;
        udp.Checksum = 0xBEEF;

        Assert.Equal(TestFrames.Hex("1234 ABCD 0008 BEEF"), datagram);
    }
}
