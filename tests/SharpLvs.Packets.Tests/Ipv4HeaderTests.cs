using System.Buffers.Binary;
using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class Ipv4HeaderTests
{
    /// <summary>A valid 20-byte header (UDP, 198.18.0.1 -> 198.18.1.2) plus <paramref name="payload"/> bytes.</summary>
    private static byte[] Packet(int payload = 8, int bufferExtra = 0)
    {
        var bytes = new byte[20 + payload + bufferExtra];
        PacketWriter.WriteIpv4(bytes, Client4, Vip4, IpProtocols.Udp, payload, ttl: 64, id: 0x1234);
        return bytes;
    }

    [Fact]
    public void TryParse_WrittenHeader_ReadsEveryField()
    {
        var bytes = Packet();
        bytes[1] = 0x10;
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(bytes, out var ip));
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(28, ip.TotalLength);
        Assert.Equal(IpProtocols.Udp, ip.Protocol);
        Assert.Equal(64, ip.Ttl);
        Assert.Equal(0x10, ip.Tos);
        Assert.Equal(0x1234, ip.Identification);
        Assert.True(ip.DontFragment);
        Assert.False(ip.IsFragment);
        Assert.False(ip.HasOptions);
        Assert.Equal(Client4, ip.Source);
        Assert.Equal(Vip4, ip.Destination);
        Assert.Equal(8, ip.Payload.Length);
    }

    // The first four bytes (version/IHL, TOS, total length) of a 28-byte packet, then the rest.
    private const string Rest = "1234 4000 4011 0000 C6120001 C6120102 0000000000000000";

    [Theory]
    [InlineData("empty", "", Ipv4ParseResult.Short)]
    [InlineData("19 bytes", "4500 001C 1234 4000 4011 0000 C6120001 C61201", Ipv4ParseResult.Short)]
    [InlineData("version 6", "6500 001C " + Rest, Ipv4ParseResult.BadVersion)]
    [InlineData("IHL 4", "4400 001C " + Rest, Ipv4ParseResult.BadHeaderLength)]
    [InlineData("IHL 0", "4000 001C " + Rest, Ipv4ParseResult.BadHeaderLength)]
    [InlineData("IHL 15 past the buffer", "4F00 001C " + Rest, Ipv4ParseResult.BadHeaderLength)]
    [InlineData("total length 19", "4500 0013 " + Rest, Ipv4ParseResult.BadTotalLength)]
    [InlineData("total length 0", "4500 0000 " + Rest, Ipv4ParseResult.BadTotalLength)]
    [InlineData("total length below IHL*4 with options", "4600 0016 " + Rest, Ipv4ParseResult.BadTotalLength)]
    [InlineData("total length past the buffer", "4500 001D " + Rest, Ipv4ParseResult.BadTotalLength)]
    [InlineData("well formed", "4500 001C " + Rest, Ipv4ParseResult.Ok)]
    [InlineData("options, total length at IHL*4", "4600 0018 " + Rest, Ipv4ParseResult.Ok)]
    public void TryParse_Malformed_ReportsWhy(string description, string hex, Ipv4ParseResult expected)
    {
        Assert.True(expected == Ipv4Header.TryParse(Hex(hex), out _), description);
    }

    [Fact]
    public void TryParse_EthernetPadding_BoundsViewsByTotalLength()
    {
        // A 28-byte packet padded to Ethernet's 46-byte minimum payload.
        var bytes = Packet(8, bufferExtra: 18);
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(bytes, out var ip));
        Assert.Equal(28, ip.Bytes.Length);
        Assert.Equal(8, ip.Payload.Length);
    }

    [Theory]
    [InlineData(0x4000, false, false, false, 0)]
    [InlineData(0x0000, false, false, false, 0)]
    [InlineData(0x2000, true, true, true, 0)]
    [InlineData(0x2001, true, false, true, 8)]
    [InlineData(0x00B9, true, false, false, 1480)]
    [InlineData(0x1FFF, true, false, false, 65528)]
    public void FragmentFields_FlagsAndOffset_Recognised(int field, bool isFragment, bool isFirst, bool more, int offset)
    {
        var bytes = Packet();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), (ushort)field);
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(bytes, out var ip));
        Assert.Equal(isFragment, ip.IsFragment);
        Assert.Equal(isFirst, ip.IsFirstFragment);
        Assert.Equal(more, ip.MoreFragments);
        Assert.Equal(offset, ip.FragmentOffset);
    }

    [Fact]
    public void TryParse_Options_RecognisedAndPayloadAfterThem()
    {
        // IHL 6: one 4-byte option (router alert, RFC 2113) before an 8-byte payload.
        var bytes = new byte[32];
        PacketWriter.WriteIpv4(bytes, Client4, Vip4, IpProtocols.Udp, 12);
        bytes[0] = 0x46;
        bytes.AsSpan(20).Fill(0xAA);
        bytes[20] = 0x94;
        bytes[21] = 0x04;
        bytes[22] = 0;
        bytes[23] = 0;

        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(bytes, out var ip));
        ip.UpdateHeaderChecksum();
        Assert.True(ip.HasOptions);
        Assert.Equal(24, ip.HeaderLength);
        Assert.Equal(4, ip.Options.Length);
        Assert.Equal(8, ip.Payload.Length);
        Assert.True(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void AddressSetters_IncrementalUpdate_EqualsRecomputation()
    {
        var random = new Random(791);
        var bytes = Packet();
        for (var i = 0; i < 2_000; i++)
        {
            Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(bytes, out var ip));
            ip.Source = InetAddress.FromV4((uint)random.NextInt64(0, 1L << 32));
            ip.Destination = InetAddress.FromV4((uint)random.NextInt64(0, 1L << 32));
            ip.Ttl = (byte)random.Next(0, 256);
            var incremental = ip.HeaderChecksum;

            Assert.True(ip.IsHeaderChecksumValid);
            ip.UpdateHeaderChecksum();
            Assert.Equal(ip.HeaderChecksum, incremental);
        }
    }

    [Theory]
    [InlineData(64, true, 63)]
    [InlineData(2, true, 1)]
    [InlineData(1, false, 1)]
    [InlineData(0, false, 0)]
    public void TryDecrementTtl_KeepsChecksumValid_RefusesAtOne(byte ttl, bool decremented, byte after)
    {
        var bytes = new byte[28];
        PacketWriter.WriteIpv4(bytes, Client4, Vip4, IpProtocols.Udp, 8, ttl);
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(bytes, out var ip));

        Assert.Equal(decremented, ip.TryDecrementTtl());
        Assert.Equal(after, ip.Ttl);
        Assert.True(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void IsHeaderChecksumValid_CorruptedHeader_False()
    {
        var bytes = Packet();
        bytes[15] ^= 1;
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(bytes, out var ip));
        Assert.False(ip.IsHeaderChecksumValid);
    }
}
