using System.Buffers.Binary;

namespace SharpLvs.Packets.Tests;

public class IcmpQuoteTests
{
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");
    private static readonly InetAddress Client = InetAddress.Parse("198.19.0.100");
    private static readonly InetAddress Vip6 = InetAddress.Parse("fd00:198:18::250");
    private static readonly InetAddress Client6 = InetAddress.Parse("fd00:198:18:1::100");

    [Fact]
    public void TryParse_Ipv4HeaderAndEightBytes_ReadsAddressesAndPorts()
    {
        var quote = Quote4(ihl: 5, protocol: IpProtocols.Udp, transportBytes: 8);

        Assert.Equal(IcmpQuoteParseResult.Ok, IcmpQuote.TryParse(quote, isIPv6: false, out var q));
        Assert.Equal((IpProtocols.Udp, 20, 20), (q.Protocol, q.TransportOffset, q.IpHeaderLength));
        Assert.Equal((Vip, (ushort)53, Client, (ushort)40000), (q.Source, q.SourcePort, q.Destination, q.DestinationPort));
    }

    [Fact]
    public void TryParse_Ipv4WithOptions_FindsThePortsAfterThem()
    {
        var quote = Quote4(ihl: 6, protocol: IpProtocols.Tcp, transportBytes: 4);

        Assert.Equal(IcmpQuoteParseResult.Ok, IcmpQuote.TryParse(quote, isIPv6: false, out var q));
        Assert.Equal((24, (ushort)53, (ushort)40000), (q.TransportOffset, q.SourcePort, q.DestinationPort));
    }

    [Theory]
    [InlineData(19, 5, 0, IcmpQuoteParseResult.ShortIpHeader)]
    [InlineData(20, 4, 0, IcmpQuoteParseResult.ShortIpHeader)]
    [InlineData(23, 6, 0, IcmpQuoteParseResult.ShortIpHeader)]
    [InlineData(22, 5, 0, IcmpQuoteParseResult.ShortPorts)]
    [InlineData(28, 5, 185, IcmpQuoteParseResult.NotFirstFragment)]
    public void TryParse_BrokenIpv4Quote_SaysWhy(int length, int ihl, int fragmentOffset, IcmpQuoteParseResult expected)
    {
        var quote = Quote4(ihl: Math.Max(ihl, 5), protocol: IpProtocols.Tcp, transportBytes: 8);
        quote[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(6), (ushort)fragmentOffset);

        Assert.Equal(expected, IcmpQuote.TryParse(quote.AsSpan(0, length), isIPv6: false, out _));
    }

    [Fact]
    public void TryParse_OtherProtocolWithoutPorts_ParsesWithNothingToRead()
    {
        var quote = Quote4(ihl: 5, protocol: IpProtocols.Gre, transportBytes: 0);

        Assert.Equal(IcmpQuoteParseResult.Ok, IcmpQuote.TryParse(quote, isIPv6: false, out var q));
        Assert.Equal(IpProtocols.Gre, q.Protocol);
    }

    [Fact]
    public void TryParse_WrongVersion_Refused()
    {
        Assert.Equal(IcmpQuoteParseResult.BadVersion, IcmpQuote.TryParse(Quote6(), isIPv6: false, out _));
        Assert.Equal(IcmpQuoteParseResult.BadVersion, IcmpQuote.TryParse(Quote4(5, IpProtocols.Tcp, 8).Concat(new byte[20]).ToArray(), isIPv6: true, out _));
    }

    [Fact]
    public void TryParse_Ipv6_ReadsAddressesAndPorts()
    {
        Assert.Equal(IcmpQuoteParseResult.Ok, IcmpQuote.TryParse(Quote6(), isIPv6: true, out var q));
        Assert.Equal((IpProtocols.Tcp, 40), (q.Protocol, q.TransportOffset));
        Assert.Equal((Vip6, (ushort)80, Client6, (ushort)40000), (q.Source, q.SourcePort, q.Destination, q.DestinationPort));
        Assert.Equal(IcmpQuoteParseResult.ShortPorts, IcmpQuote.TryParse(Quote6().AsSpan(0, 42), isIPv6: true, out _));
        Assert.Equal(IcmpQuoteParseResult.ShortIpHeader, IcmpQuote.TryParse(Quote6().AsSpan(0, 39), isIPv6: true, out _));
    }

    [Fact]
    public void WriteAndRecomputeChecksum_Ipv4_GiveAValidQuotedHeader()
    {
        var quote = Quote4(ihl: 5, protocol: IpProtocols.Udp, transportBytes: 8);
        Assert.Equal(IcmpQuoteParseResult.Ok, IcmpQuote.TryParse(quote, isIPv6: false, out var q));
        var rip = InetAddress.Parse("198.18.1.21");

        q.Write(rip, 5353, Client, 40000);
        q.RecomputeIpv4HeaderChecksum();

        Assert.Equal((rip, (ushort)5353), (q.Source, q.SourcePort));
        Assert.Equal(0xFFFF, Checksum.Fold(Checksum.Sum(quote.AsSpan(0, 20))));
    }

    /// <summary>A quoted IPv4 packet VIP:53 → CIP:40000 (total length 100, as the original), cut after <paramref name="transportBytes"/>.</summary>
    private static byte[] Quote4(int ihl, byte protocol, int transportBytes)
    {
        var q = new byte[ihl * 4 + transportBytes];
        q[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(2), 100);
        q[8] = 64;
        q[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(q.AsSpan(12), Vip.V4);
        BinaryPrimitives.WriteUInt32BigEndian(q.AsSpan(16), Client.V4);
        if (transportBytes >= 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(ihl * 4), 53);
            BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(ihl * 4 + 2), 40000);
        }

        return q;
    }

    private static byte[] Quote6()
    {
        var q = new byte[48];
        q[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(4), 1000);
        q[6] = IpProtocols.Tcp;
        q[7] = 64;
        Vip6.WriteTo(q.AsSpan(8, 16));
        Client6.WriteTo(q.AsSpan(24, 16));
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(40), 80);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(42), 40000);
        return q;
    }
}
