using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class EthernetFrameTests
{
    private const string Macs = "020000000002 020000000001";

    [Theory]
    [InlineData(Macs + "0800", EtherTypes.Ipv4, 0, 14, 0)]
    [InlineData(Macs + "86DD", EtherTypes.Ipv6, 0, 14, 0)]
    [InlineData(Macs + "8100 0064 0800", EtherTypes.Ipv4, 1, 18, 100)]
    [InlineData(Macs + "8100 EFFF 0806", EtherTypes.Arp, 1, 18, 0xFFF)]
    [InlineData(Macs + "88A8 0010 8100 0020 86DD", EtherTypes.Ipv6, 2, 22, 16)]
    [InlineData(Macs + "8100 0010 8100 0020 0800", EtherTypes.Ipv4, 2, 22, 16)]
    public void TryParse_UntaggedVlanQinQ_SeesInnerTypeAndHeaderLength(string hex, ushort etherType, int tags, int headerLength, int vlanId)
    {
        var frame = Hex(hex + "AABBCC");

        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(etherType, eth.EtherType);
        Assert.Equal(tags, eth.VlanTagCount);
        Assert.Equal(headerLength, eth.HeaderLength);
        Assert.Equal(vlanId, eth.OuterVlanId);
        Assert.Equal(Hex("AABBCC"), eth.Payload.ToArray());
        Assert.Equal(DirectorMac, eth.Destination);
        Assert.Equal(ClientMac, eth.Source);
    }

    [Theory]
    [InlineData("")]
    [InlineData("020000000002 020000000001 08")]
    [InlineData(Macs + "8100")]
    [InlineData(Macs + "8100 0064 08")]
    [InlineData(Macs + "88A8 0010 8100 0020")]
    [InlineData(Macs + "88A8 0010 8100 0020 81")]
    [InlineData(Macs + "8100 0001 8100 0002 8100 0003 0800 00")]
    public void TryParse_ShortTruncatedTagOrTooManyTags_ReturnsFalse(string hex)
    {
        Assert.False(EthernetFrame.TryParse(Hex(hex), out _));
    }

    [Fact]
    public void MacSetters_QinQFrame_RewriteAddressesAndLeaveTagsAlone()
    {
        var frame = Hex(Macs + "88A8 0010 8100 0020 0800 4500");
        var original = (byte[])frame.Clone();
        Assert.True(EthernetFrame.TryParse(frame, out var eth));

        eth.Destination = new MacAddress(0x0A0B0C0D0E0F);
        eth.Source = DirectorMac;

        Assert.Equal(Hex("0A0B0C0D0E0F 020000000002"), frame[..12]);
        Assert.Equal(original[12..], frame[12..]);
        Assert.Equal(frame.Length, eth.Bytes.Length);
    }
}
