using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class IcmpHeaderTests
{
    [Theory]
    [InlineData(IcmpTypes.EchoReply, false)]
    [InlineData(IcmpTypes.DestinationUnreachable, true)]
    [InlineData(IcmpTypes.SourceQuench, true)]
    [InlineData(IcmpTypes.Redirect, true)]
    [InlineData(IcmpTypes.EchoRequest, false)]
    [InlineData(IcmpTypes.TimeExceeded, true)]
    [InlineData(IcmpTypes.ParameterProblem, true)]
    [InlineData(13, false)]
    public void IsError_ByType(byte type, bool isError)
    {
        var message = new byte[36];
        PacketWriter.WriteIcmp(message, type, 0, 0);
        Assert.Equal(TransportParseResult.Ok, IcmpHeader.TryParse(message, out var icmp));
        Assert.Equal(isError, icmp.IsError);
        Assert.Equal(isError ? 28 : 0, icmp.EmbeddedPacket.Length);
    }

    [Fact]
    public void TryParse_Short_ReportsShort()
    {
        Assert.Equal(TransportParseResult.Short, IcmpHeader.TryParse(new byte[7], out _));
        Assert.Equal(TransportParseResult.Short, Icmpv6Header.TryParse(new byte[7], out _));
    }

    [Fact]
    public void EmbeddedPacket_FragmentationNeeded_ParsesAsOffendingIpv4Packet()
    {
        // What a router sends back for a too-big packet from the VIP (RFC 1191): header + 8 bytes.
        var offending = FrameBuilder.Tcp(ClientMac, DirectorMac, Vip4, 80, Client4, 40000, TcpFlags.Ack, new byte[100]);
        var body = offending.AsSpan(14, 28);
        var frame = FrameBuilder.Icmp(DirectorMac, ClientMac, Client4, Vip4,
            IcmpTypes.DestinationUnreachable, IcmpTypes.CodeFragmentationNeeded, 1400, body);

        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(eth.Payload, out var ip));
        Assert.Equal(TransportParseResult.Ok, IcmpHeader.TryParse(ip.Payload, out var icmp));
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(1400, icmp.NextHopMtu);
        Assert.True(icmp.IsError);

        // The embedded header's total length says 140, but only 28 bytes came back.
        Assert.Equal(Ipv4ParseResult.BadTotalLength, Ipv4Header.TryParse(icmp.EmbeddedPacket, out _));
        Assert.Equal(Vip4, InetAddress.FromV4(icmp.EmbeddedPacket[12..]));
    }

    [Fact]
    public void FrameBuilderIcmpEcho_Ipv4_ChecksumValidAndFieldsRead()
    {
        var frame = FrameBuilder.IcmpEcho(DirectorMac, ClientMac, Client4, Vip4, 0x1234, 7, "ping"u8);
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(eth.Payload, out var ip));
        Assert.Equal(IpProtocols.Icmp, ip.Protocol);
        Assert.Equal(TransportParseResult.Ok, IcmpHeader.TryParse(ip.Payload, out var icmp));

        Assert.Equal(IcmpTypes.EchoRequest, icmp.Type);
        Assert.Equal(0x1234, icmp.Identifier);
        Assert.Equal(7, icmp.SequenceNumber);
        Assert.True(icmp.IsChecksumValid);
        Assert.False(icmp.IsError);
    }
}
