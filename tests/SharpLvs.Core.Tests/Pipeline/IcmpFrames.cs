using System.Buffers.Binary;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Forwarding.TunnelLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// ICMP and ICMPv6 error frames written byte by byte from RFC 791/792 and RFC 8200/4443, with
/// the test's own RFC 1071 sums (<see cref="Forwarding.TunnelLab.OnesSum"/>): no product
/// writer or checksum code is involved, so a fixture's expected frame is independent of what
/// it checks.
/// </summary>
internal static class IcmpFrames
{
    /// <summary>Bytes 4..8 of a quoted TCP header (sequence number) or UDP header (length and checksum), kept as they are.</summary>
    public static readonly byte[] QuotedTail = [0xDE, 0xAD, 0xBE, 0xEF];

    /// <summary>
    /// What an IPv4 error quotes (RFC 792): the offending packet's 20-byte header (total length
    /// 60, TTL 64, ID 0x1234, DF, valid header checksum) and the first 8 bytes of its TCP or
    /// UDP header.
    /// </summary>
    public static byte[] Quote4(InetAddress src, ushort sport, InetAddress dst, ushort dport, byte protocol = IpProtocols.Tcp, int transportBytes = 8)
    {
        var q = new byte[20 + transportBytes];
        q[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(2), 60);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(4), 0x1234);
        q[6] = 0x40;
        q[8] = 64;
        q[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(q.AsSpan(12), src.V4);
        BinaryPrimitives.WriteUInt32BigEndian(q.AsSpan(16), dst.V4);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(10), (ushort)~OnesSum(q.AsSpan(0, 20)));
        WritePorts(q.AsSpan(20), sport, dport);
        return q;
    }

    /// <summary>What an IPv6 error quotes (RFC 4443 §2.4 (c)): the 40-byte header (payload length 40, hop limit 64) and 8 transport bytes.</summary>
    public static byte[] Quote6(InetAddress src, ushort sport, InetAddress dst, ushort dport, byte protocol = IpProtocols.Tcp)
    {
        var q = new byte[48];
        q[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(4), 40);
        q[6] = protocol;
        q[7] = 64;
        src.WriteTo(q.AsSpan(8, 16));
        dst.WriteTo(q.AsSpan(24, 16));
        WritePorts(q.AsSpan(40), sport, dport);
        return q;
    }

    /// <summary>An Ethernet + IPv4 (no options, ID 0, no DF) + ICMP error frame; <paramref name="rest"/> is ICMP bytes 4..8.</summary>
    public static byte[] Error4(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst, byte type, byte code, uint rest,
        ReadOnlySpan<byte> quote, byte ttl = 64, bool badChecksum = false)
    {
        var frame = new byte[14 + 20 + 8 + quote.Length];
        Ethernet(frame, dstMac, srcMac, 0x0800);
        var ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + quote.Length));
        ip[8] = ttl;
        ip[9] = IpProtocols.Icmp;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src.V4);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst.V4);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~OnesSum(ip[..20]));
        var icmp = ip[20..];
        icmp[0] = type;
        icmp[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], rest);
        quote.CopyTo(icmp[8..]);
        var checksum = (ushort)~OnesSum(icmp);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], badChecksum ? (ushort)(checksum ^ 0x0101) : checksum);
        return frame;
    }

    /// <summary>An Ethernet + IPv6 + ICMPv6 error frame, the checksum over the pseudo-header (RFC 4443 §2.3).</summary>
    public static byte[] Error6(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst, byte type, byte code, uint rest,
        ReadOnlySpan<byte> quote, byte hopLimit = 64)
    {
        var frame = new byte[14 + 40 + 8 + quote.Length];
        Ethernet(frame, dstMac, srcMac, 0x86DD);
        var ip = frame.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(8 + quote.Length));
        ip[6] = IpProtocols.Icmpv6;
        ip[7] = hopLimit;
        src.WriteTo(ip.Slice(8, 16));
        dst.WriteTo(ip.Slice(24, 16));
        var icmp = ip[40..];
        icmp[0] = type;
        icmp[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], rest);
        quote.CopyTo(icmp[8..]);
        var sum = OnesSum(icmp, PseudoSum(ip.Slice(8, 16), ip.Slice(24, 16), IpProtocols.Icmpv6, icmp.Length));
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], (ushort)~sum);
        return frame;
    }

    /// <summary>The frame with its Ethernet addresses replaced (what DR does to a relayed error).</summary>
    public static byte[] WithMacs(byte[] frame, MacAddress dstMac, MacAddress srcMac)
    {
        var copy = (byte[])frame.Clone();
        dstMac.WriteTo(copy);
        srcMac.WriteTo(copy.AsSpan(6));
        return copy;
    }

    /// <summary>As much of the ports and <see cref="QuotedTail"/> as <paramref name="transport"/> holds (a quote may be cut anywhere).</summary>
    private static void WritePorts(Span<byte> transport, ushort sport, ushort dport)
    {
        Span<byte> full = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(full, sport);
        BinaryPrimitives.WriteUInt16BigEndian(full[2..], dport);
        QuotedTail.CopyTo(full[4..]);
        full[..Math.Min(8, transport.Length)].CopyTo(transport);
    }

    private static void Ethernet(Span<byte> frame, MacAddress dst, MacAddress src, ushort etherType)
    {
        dst.WriteTo(frame);
        src.WriteTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], etherType);
    }
}
