using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>Why the packet quoted in an ICMP error could not be read far enough to name its flow.</summary>
public enum IcmpQuoteParseResult
{
    Ok,

    /// <summary>Fewer bytes than the quoted IP header (with options, or IPv6 extension headers) needs.</summary>
    ShortIpHeader,

    BadVersion,

    /// <summary>The quote is a non-first fragment: it holds no transport header.</summary>
    NotFirstFragment,

    /// <summary>The quoted transport header is cut before its two ports.</summary>
    ShortPorts,
}

/// <summary>
/// A view over the packet an ICMP/ICMPv6 error quotes (RFC 792: "Internet Header + 64 bits
/// of Original Data Datagram"; RFC 4443 §2.4 (c): as much as fits). Only its IP header and
/// the first 4 bytes of its transport header (the ports of TCP, UDP and SCTP) are read; the
/// quoted length fields describe the original packet, not the quote, so they are not
/// checked against it (ip_vs_fill_iph_skb_icmp in net/netfilter/ipvs/ip_vs_core.c reads the
/// same way).
/// </summary>
public ref struct IcmpQuote
{
    private const int PortsLength = 4;

    private readonly Span<byte> _bytes;

    private IcmpQuote(Span<byte> bytes, bool isIPv6, int transportOffset, byte protocol)
    {
        _bytes = bytes;
        IsIPv6 = isIPv6;
        TransportOffset = transportOffset;
        Protocol = protocol;
    }

    public readonly bool IsIPv6 { get; }

    /// <summary>Where the quoted transport header starts, from the quote's first byte.</summary>
    public readonly int TransportOffset { get; }

    /// <summary>The quoted transport protocol (after any IPv6 extension headers).</summary>
    public readonly byte Protocol { get; }

    public readonly InetAddress Source => IsIPv6 ? InetAddress.FromV6(_bytes[8..]) : InetAddress.FromV4(_bytes[12..]);

    public readonly InetAddress Destination => IsIPv6 ? InetAddress.FromV6(_bytes[24..]) : InetAddress.FromV4(_bytes[16..]);

    public readonly ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_bytes[TransportOffset..]);

    public readonly ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_bytes[(TransportOffset + 2)..]);

    /// <summary>The quoted IPv4 header's length (IHL × 4); the fixed 40 bytes for IPv6.</summary>
    public readonly int IpHeaderLength => IsIPv6 ? Ipv6Header.HeaderLength : (_bytes[0] & 0x0F) * 4;

    public readonly Span<byte> Bytes => _bytes;

    /// <summary>
    /// Reads the quote's IP header, and for TCP, UDP and SCTP makes sure both ports are
    /// there. Other protocols parse with no ports to read.
    /// </summary>
    public static IcmpQuoteParseResult TryParse(Span<byte> quote, bool isIPv6, out IcmpQuote parsed)
    {
        parsed = default;
        int transport;
        byte protocol;
        if (isIPv6)
        {
            if (quote.Length < Ipv6Header.HeaderLength)
            {
                return IcmpQuoteParseResult.ShortIpHeader;
            }

            if (quote[0] >> 4 != 6)
            {
                return IcmpQuoteParseResult.BadVersion;
            }

            if (!Ipv6ExtensionHeaders.TrySkip(quote[Ipv6Header.HeaderLength..], quote[6], out var upper))
            {
                return IcmpQuoteParseResult.ShortIpHeader;
            }

            if (!upper.HasUpperLayerHeader)
            {
                return IcmpQuoteParseResult.NotFirstFragment;
            }

            transport = Ipv6Header.HeaderLength + upper.Offset;
            protocol = upper.Protocol;
        }
        else
        {
            if (quote.Length < Ipv4Header.MinHeaderLength)
            {
                return IcmpQuoteParseResult.ShortIpHeader;
            }

            if (quote[0] >> 4 != 4)
            {
                return IcmpQuoteParseResult.BadVersion;
            }

            transport = (quote[0] & 0x0F) * 4;
            if (transport < Ipv4Header.MinHeaderLength || transport > quote.Length)
            {
                return IcmpQuoteParseResult.ShortIpHeader;
            }

            // The fragment offset (13 bits after the flags): only offset 0 carries the ports.
            if ((BinaryPrimitives.ReadUInt16BigEndian(quote[6..]) & 0x1FFF) != 0)
            {
                return IcmpQuoteParseResult.NotFirstFragment;
            }

            protocol = quote[9];
        }

        if ((protocol is IpProtocols.Tcp or IpProtocols.Udp or IpProtocols.Sctp) && quote.Length - transport < PortsLength)
        {
            return IcmpQuoteParseResult.ShortPorts;
        }

        parsed = new IcmpQuote(quote, isIPv6, transport, protocol);
        return IcmpQuoteParseResult.Ok;
    }

    /// <summary>Writes the quoted addresses and ports (TCP/UDP/SCTP only; the caller checked the protocol).</summary>
    public readonly void Write(InetAddress source, ushort sourcePort, InetAddress destination, ushort destinationPort)
    {
        if (IsIPv6)
        {
            source.WriteTo(_bytes.Slice(8, 16));
            destination.WriteTo(_bytes.Slice(24, 16));
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(_bytes[12..], source.V4);
            BinaryPrimitives.WriteUInt32BigEndian(_bytes[16..], destination.V4);
        }

        BinaryPrimitives.WriteUInt16BigEndian(_bytes[TransportOffset..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(_bytes[(TransportOffset + 2)..], destinationPort);
    }

    /// <summary>ip_send_check on the quoted IPv4 header: its checksum computed afresh. Nothing for IPv6.</summary>
    public readonly void RecomputeIpv4HeaderChecksum()
    {
        if (IsIPv6)
        {
            return;
        }

        var header = _bytes[..IpHeaderLength];
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Checksum.Compute(header));
    }
}
