using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class Ipv6ExtensionHeadersTests
{
    // Hop-by-hop (next 6, 8 bytes: PadN), then 20 bytes standing for TCP.
    private const string HopByHopThenTcp = "06 00 0104 00000000";

    public static TheoryData<string, byte, string, byte, int, bool, int, bool> Chains => new()
    {
        { "no extension headers", IpProtocols.Tcp, "", IpProtocols.Tcp, 0, false, 0, false },
        { "hop-by-hop", IpProtocols.Ipv6HopByHop, HopByHopThenTcp, IpProtocols.Tcp, 8, false, 0, false },
        {
            "destination options (16 bytes), routing, first fragment",
            IpProtocols.Ipv6DestinationOptions,
            "2B 01 0000000000000000000000000000" + "2C 00 00 00 00000000" + "11 00 0001 DEADBEEF",
            IpProtocols.Udp, 32, true, 0, true
        },
        {
            "non-first fragment stops at the fragment header",
            IpProtocols.Ipv6Fragment, "06 00 05C8 00000007", IpProtocols.Tcp, 8, true, 1480, false
        },
        { "AH (RFC 4302: 12 bytes for length 1)", IpProtocols.Ah, "06 01 0000 00000000 00000000", IpProtocols.Tcp, 12, false, 0, false },
        { "no next header", IpProtocols.Ipv6NoNext, "", IpProtocols.Ipv6NoNext, 0, false, 0, false },
        { "ESP cannot be walked through", IpProtocols.Esp, "00000000", IpProtocols.Esp, 0, false, 0, false },
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void TrySkip_ValidChain_FindsUpperLayer(string description, byte first, string headers, byte protocol,
        int offset, bool isFragment, int fragmentOffset, bool more)
    {
        var payload = Hex(headers + "0000000000000000");

        Assert.True(Ipv6ExtensionHeaders.TrySkip(payload, first, out var upper), description);
        Assert.Equal(protocol, upper.Protocol);
        Assert.Equal(offset, upper.Offset);
        Assert.Equal(isFragment, upper.IsFragment);
        Assert.Equal(fragmentOffset, upper.FragmentOffset);
        Assert.Equal(more, upper.MoreFragments);
        Assert.Equal(fragmentOffset == 0, upper.HasUpperLayerHeader);
    }

    [Fact]
    public void TrySkip_FragmentHeader_ReportsIdentification()
    {
        Assert.True(Ipv6ExtensionHeaders.TrySkip(Hex("11 00 0001 DEADBEEF"), IpProtocols.Ipv6Fragment, out var upper));
        Assert.Equal(0xDEADBEEFu, upper.FragmentIdentification);
    }

    [Theory]
    [InlineData(IpProtocols.Ipv6HopByHop, "06")]
    [InlineData(IpProtocols.Ipv6HopByHop, "06 01 00000000 00000000")]
    [InlineData(IpProtocols.Ipv6Fragment, "06 00 0001 0000")]
    [InlineData(IpProtocols.Ipv6Fragment, "2C 00 0001 00000001 06 00 0000 00000001")]
    [InlineData(IpProtocols.Ah, "06 04 0000 00000000")]
    public void TrySkip_TruncatedOrDoubleFragment_ReturnsFalse(byte first, string headers)
    {
        Assert.False(Ipv6ExtensionHeaders.TrySkip(Hex(headers), first, out _));
    }

    [Fact]
    public void TrySkip_ChainLongerThanLimit_ReturnsFalse()
    {
        var payload = new byte[8 * (Ipv6ExtensionHeaders.MaxHeaders + 2)];
        for (var i = 0; i < payload.Length; i += 8)
        {
            payload[i] = IpProtocols.Ipv6DestinationOptions;
        }

        Assert.False(Ipv6ExtensionHeaders.TrySkip(payload, IpProtocols.Ipv6DestinationOptions, out _));
    }

    [Fact]
    public void TrySkipExtensionHeaders_OnParsedPacket_WalksItsPayload()
    {
        var inner = Hex(HopByHopThenTcp + "0000000000000000 0000000000000000 00000000");
        var frame = FrameBuilder.Ip(DirectorMac, ClientMac, Client6, Vip6, IpProtocols.Ipv6HopByHop, inner);
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(Ipv6ParseResult.Ok, Ipv6Header.TryParse(eth.Payload, out var ip));

        Assert.True(ip.TrySkipExtensionHeaders(out var upper));
        Assert.Equal(IpProtocols.Tcp, upper.Protocol);
        Assert.Equal(8, upper.Offset);
    }
}
