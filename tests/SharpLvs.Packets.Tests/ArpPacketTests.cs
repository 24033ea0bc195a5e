using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class ArpPacketTests
{
    // who-has 198.18.1.2 tell 198.18.0.1, from 02:00:00:00:00:01.
    private const string Request = "0001 0800 06 04 0001 020000000001 C6120001 000000000000 C6120102";

    // is-at: 198.18.1.2 is at 02:00:00:00:00:02, to the requester.
    private const string Reply = "0001 0800 06 04 0002 020000000002 C6120102 020000000001 C6120001";

    [Fact]
    public void TryParse_Request_ReadsFields()
    {
        Assert.True(ArpPacket.TryParse(Hex(Request + "0000"), out var arp));
        Assert.Equal(ArpPacket.OperationRequest, arp.Operation);
        Assert.Equal(ClientMac, arp.SenderMac);
        Assert.Equal(Client4, arp.SenderAddress);
        Assert.True(arp.TargetMac.IsZero);
        Assert.Equal(Vip4, arp.TargetAddress);
        Assert.Equal(ArpPacket.Length, arp.Bytes.Length);
    }

    [Fact]
    public void TurnIntoReply_Request_GivesGoldenReply()
    {
        var bytes = Hex(Request);
        Assert.True(ArpPacket.TryParse(bytes, out var arp));

        arp.TurnIntoReply(DirectorMac);

        Assert.Equal(Hex(Reply), bytes);
    }

    [Fact]
    public void Write_Reply_GivesGoldenBytes()
    {
        var bytes = new byte[ArpPacket.Length];
        Assert.Equal(28, ArpPacket.Write(bytes, ArpPacket.OperationReply, DirectorMac, Vip4, ClientMac, Client4));
        Assert.Equal(Hex(Reply), bytes);
    }

    [Fact]
    public void Write_TooSmall_ReturnsZero()
    {
        Assert.Equal(0, ArpPacket.Write(new byte[27], ArpPacket.OperationReply, DirectorMac, Vip4, ClientMac, Client4));
    }

    [Theory]
    [InlineData("0001 0800 06 04 0001 020000000001 C6120001 000000000000 C61201")]
    [InlineData("0006 0800 06 04 0001 020000000001 C6120001 000000000000 C6120102")]
    [InlineData("0001 86DD 06 04 0001 020000000001 C6120001 000000000000 C6120102")]
    [InlineData("0001 0800 08 04 0001 020000000001 C6120001 000000000000 C6120102")]
    [InlineData("0001 0800 06 10 0001 020000000001 C6120001 000000000000 C6120102")]
    public void TryParse_ShortOrNotEthernetIpv4_ReturnsFalse(string hex)
    {
        Assert.False(ArpPacket.TryParse(Hex(hex), out _));
    }

    [Fact]
    public void FrameBuilderArpRequest_ParsesAsBroadcastRequest()
    {
        var frame = FrameBuilder.ArpRequest(ClientMac, Client4, Vip4, vlan: 5);

        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(MacAddress.Broadcast, eth.Destination);
        Assert.Equal(EtherTypes.Arp, eth.EtherType);
        Assert.Equal(5, eth.OuterVlanId);
        Assert.True(ArpPacket.TryParse(eth.Payload, out var arp));
        Assert.Equal(Hex(Request), arp.Bytes.ToArray());
    }
}
