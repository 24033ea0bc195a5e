using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class TcpHeaderTests
{
    [Fact]
    public void TryParse_WrittenHeader_ReadsEveryField()
    {
        var segment = new byte[23];
        PacketWriter.WriteTcp(segment, 40000, 80, 0x01020304, 0xA0B0C0D0, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece, window: 29200);
        segment[20] = 1;

        Assert.Equal(TransportParseResult.Ok, TcpHeader.TryParse(segment, out var tcp));
        Assert.Equal(40000, tcp.SourcePort);
        Assert.Equal(80, tcp.DestinationPort);
        Assert.Equal(0x01020304u, tcp.SequenceNumber);
        Assert.Equal(0xA0B0C0D0u, tcp.AcknowledgmentNumber);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece, tcp.Flags);
        Assert.Equal(20, tcp.HeaderLength);
        Assert.Equal(29200, tcp.Window);
        Assert.Equal(0, tcp.Checksum);
        Assert.Equal([1, 0, 0], tcp.Payload.ToArray());
    }

    [Theory]
    [InlineData(19, 0x50, TransportParseResult.Short)]
    [InlineData(0, 0x50, TransportParseResult.Short)]
    [InlineData(20, 0x40, TransportParseResult.BadHeaderLength)]
    [InlineData(20, 0x00, TransportParseResult.BadHeaderLength)]
    [InlineData(20, 0x60, TransportParseResult.BadHeaderLength)]
    [InlineData(59, 0xF0, TransportParseResult.BadHeaderLength)]
    [InlineData(60, 0xF0, TransportParseResult.Ok)]
    [InlineData(24, 0x60, TransportParseResult.Ok)]
    public void TryParse_DataOffset_CheckedAgainstSegment(int length, byte offsetByte, TransportParseResult expected)
    {
        var segment = new byte[Math.Max(length, 20)];
        segment[12] = offsetByte;
        Assert.Equal(expected, TcpHeader.TryParse(segment.AsSpan(0, length), out _));
    }

    [Fact]
    public void TryParse_Options_PayloadAfterThem()
    {
        var segment = new byte[30];
        PacketWriter.WriteTcp(segment, 1, 2, 3, 4, TcpFlags.Syn);
        segment[12] = 0x60;
        segment[20] = 2; // MSS option kind (RFC 9293 §3.2)
        segment[21] = 4;

        Assert.Equal(TransportParseResult.Ok, TcpHeader.TryParse(segment, out var tcp));
        Assert.Equal(24, tcp.HeaderLength);
        Assert.Equal(4, tcp.Options.Length);
        Assert.Equal(6, tcp.Payload.Length);
    }

    [Fact]
    public void PortSetters_WithIncrementalChecksum_StillVerify()
    {
        var frame = FrameBuilder.Tcp(DirectorMac, ClientMac, Client4, 40000, Vip4, 80, TcpFlags.Ack, "GET /"u8);
        var segment = frame.AsSpan(34);
        Assert.Equal(TransportParseResult.Ok, TcpHeader.TryParse(segment, out var tcp));

        var old = tcp.DestinationPort;
        tcp.DestinationPort = 8080;
        tcp.Checksum = Checksum.UpdateWord(tcp.Checksum, old, 8080);

        Assert.True(Checksum.VerifyTransport(segment, Client4, Vip4, IpProtocols.Tcp));
    }
}
