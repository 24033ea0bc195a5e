using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>
/// Builds ICMP/ICMPv6 error messages around an offending packet that already lies in the
/// buffer (in place, no copy): the caller leaves room for the IP and ICMP headers right before
/// the quoted bytes and cuts the quote to <see cref="Ipv4QuoteLength"/> / <see cref="Ipv6QuoteLength"/>.
/// Sizes and fields follow the kernel's icmp_send (net/ipv4/icmp.c) and icmp6_send
/// (net/ipv6/icmp.c).
/// </summary>
public static class IcmpErrorWriter
{
    /// <summary>IPv4 header (no options) and ICMP header before the quote.</summary>
    public const int Ipv4HeadersLength = Ipv4Header.MinHeaderLength + IcmpHeader.HeaderLength;

    /// <summary>IPv6 header and ICMPv6 header before the quote.</summary>
    public const int Ipv6HeadersLength = Ipv6Header.HeaderLength + Icmpv6Header.HeaderLength;

    /// <summary>icmp_send caps an error at 576 bytes (RFC 1812 §4.3.2.3).</summary>
    public const int MaxIpv4ErrorLength = 576;

    /// <summary>icmp6_send caps an error at the IPv6 minimum MTU (RFC 4443 §2.4 (c)).</summary>
    public const int MaxIpv6ErrorLength = 1280;

    /// <summary>IPTOS_PREC_INTERNETCONTROL: icmp_send marks errors as network control.</summary>
    public const byte InternetControlPrecedence = 0xC0;

    /// <summary>How much of an offending IPv4 packet of <paramref name="offendingLength"/> bytes an error quotes.</summary>
    public static int Ipv4QuoteLength(int offendingLength) => Math.Clamp(offendingLength, 0, MaxIpv4ErrorLength - Ipv4HeadersLength);

    /// <summary>How much of an offending IPv6 packet of <paramref name="offendingLength"/> bytes an error quotes.</summary>
    public static int Ipv6QuoteLength(int offendingLength) => Math.Clamp(offendingLength, 0, MaxIpv6ErrorLength - Ipv6HeadersLength);

    /// <summary>
    /// The TOS of an error about a packet with <paramref name="offendingTos"/>: icmp_send keeps
    /// its RT_TOS bits and sets precedence "internetwork control".
    /// </summary>
    public static byte Ipv4ErrorTos(byte offendingTos) => (byte)((offendingTos & 0x1E) | InternetControlPrecedence);

    /// <summary>
    /// Writes the IPv4 and ICMP headers into <c>packet[..28]</c>, in front of the quote that
    /// fills the rest of <paramref name="packet"/>, and both checksums. The error is sent
    /// without DF (the ICMP socket's IP_PMTUDISC_DONT). Returns the packet's length, or 0 if
    /// it cannot be written.
    /// </summary>
    public static int WriteIpv4Error(Span<byte> packet, InetAddress source, InetAddress destination, byte type, byte code, uint rest,
        byte tos, ushort id, byte ttl = 64)
    {
        if (packet.Length < Ipv4HeadersLength || packet.Length > MaxIpv4ErrorLength || !source.IsIPv4 || !destination.IsIPv4)
        {
            return 0;
        }

        var icmp = packet[Ipv4Header.MinHeaderLength..];
        PacketWriter.WriteIcmp(icmp, type, code, rest);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[IcmpHeader.ChecksumOffset..], Checksum.Compute(icmp));
        PacketWriter.WriteIpv4(packet, source, destination, IpProtocols.Icmp, icmp.Length, ttl, id, dontFragment: false, tos);
        return packet.Length;
    }

    /// <summary>
    /// Writes the IPv6 and ICMPv6 headers into <c>packet[..48]</c>, in front of the quote that
    /// fills the rest of <paramref name="packet"/>, and the ICMPv6 checksum (RFC 4443 §2.3).
    /// Returns the packet's length, or 0 if it cannot be written.
    /// </summary>
    public static int WriteIpv6Error(Span<byte> packet, InetAddress source, InetAddress destination, byte type, byte code, uint rest,
        byte hopLimit = 64)
    {
        if (packet.Length < Ipv6HeadersLength || packet.Length > MaxIpv6ErrorLength || source.IsIPv4 || destination.IsIPv4)
        {
            return 0;
        }

        var icmp = packet[Ipv6Header.HeaderLength..];
        PacketWriter.WriteIcmp(icmp, type, code, rest);
        Checksum.ComputeTransport(icmp, source, destination, IpProtocols.Icmpv6, Icmpv6Header.ChecksumOffset);
        PacketWriter.WriteIpv6(packet, source, destination, IpProtocols.Icmpv6, icmp.Length, hopLimit);
        return packet.Length;
    }
}
