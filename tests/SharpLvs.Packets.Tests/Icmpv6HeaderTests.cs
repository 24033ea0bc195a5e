using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class Icmpv6HeaderTests
{
    [Theory]
    [InlineData(Icmpv6Types.DestinationUnreachable, true)]
    [InlineData(Icmpv6Types.PacketTooBig, true)]
    [InlineData(Icmpv6Types.TimeExceeded, true)]
    [InlineData(Icmpv6Types.ParameterProblem, true)]
    [InlineData(Icmpv6Types.EchoRequest, false)]
    [InlineData(Icmpv6Types.NeighborSolicitation, false)]
    public void IsError_TypesBelow128(byte type, bool isError)
    {
        var message = new byte[48];
        PacketWriter.WriteIcmp(message, type, 0, 1280);
        Assert.Equal(TransportParseResult.Ok, Icmpv6Header.TryParse(message, out var icmp));
        Assert.Equal(isError, icmp.IsError);
        Assert.Equal(isError ? 40 : 0, icmp.EmbeddedPacket.Length);
        Assert.Equal(1280u, icmp.Mtu);
    }

    [Fact]
    public void FrameBuilderIcmpEcho_Ipv6Reply_ChecksumCoversPseudoHeader()
    {
        var frame = FrameBuilder.IcmpEcho(ClientMac, DirectorMac, Vip6, Client6, 9, 10, "pong"u8, reply: true);
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(EtherTypes.Ipv6, eth.EtherType);
        Assert.Equal(Ipv6ParseResult.Ok, Ipv6Header.TryParse(eth.Payload, out var ip));
        Assert.Equal(IpProtocols.Icmpv6, ip.NextHeader);
        Assert.Equal(TransportParseResult.Ok, Icmpv6Header.TryParse(ip.Payload, out var icmp));

        Assert.Equal(Icmpv6Types.EchoReply, icmp.Type);
        Assert.Equal(9, icmp.Identifier);
        Assert.Equal(10, icmp.SequenceNumber);
        Assert.True(Checksum.VerifyTransport(ip.Payload, Vip6, Client6, IpProtocols.Icmpv6));
    }
}
