using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>
/// Writes headers into a caller's buffer and returns the bytes written (0 when the buffer is
/// too small, so a bad size never throws on the data path). Used by product code (ARP replies,
/// ICMP errors, tunnel headers) and by tests building frames.
/// </summary>
public static class PacketWriter
{
    /// <summary>An untagged Ethernet II header: 14 bytes.</summary>
    public static int WriteEthernet(Span<byte> d, MacAddress dst, MacAddress src, ushort etherType)
    {
        if (d.Length < EthernetFrame.MinHeaderLength)
        {
            return 0;
        }

        dst.WriteTo(d);
        src.WriteTo(d[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(d[12..], etherType);
        return EthernetFrame.MinHeaderLength;
    }

    /// <summary>An Ethernet II header with one 802.1Q tag (priority 0): 18 bytes; untagged when <paramref name="vlanId"/> is 0.</summary>
    public static int WriteEthernet(Span<byte> d, MacAddress dst, MacAddress src, ushort etherType, ushort vlanId)
    {
        if (vlanId == 0)
        {
            return WriteEthernet(d, dst, src, etherType);
        }

        const int length = EthernetFrame.MinHeaderLength + EthernetFrame.VlanTagLength;
        if (d.Length < length)
        {
            return 0;
        }

        dst.WriteTo(d);
        src.WriteTo(d[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(d[12..], EtherTypes.Vlan);
        BinaryPrimitives.WriteUInt16BigEndian(d[14..], (ushort)(vlanId & 0x0FFF));
        BinaryPrimitives.WriteUInt16BigEndian(d[16..], etherType);
        return length;
    }

    /// <summary>A 20-byte IPv4 header (no options) with its checksum filled.</summary>
    public static int WriteIpv4(Span<byte> d, InetAddress src, InetAddress dst, byte protocol, int payloadLength,
        byte ttl = 64, ushort id = 0, bool dontFragment = true, byte tos = 0)
    {
        const int length = Ipv4Header.MinHeaderLength;
        if (d.Length < length || payloadLength < 0 || payloadLength > ushort.MaxValue - length)
        {
            return 0;
        }

        d[0] = 0x45;
        d[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], (ushort)(length + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(d[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        d[8] = ttl;
        d[9] = protocol;
        d[10] = 0;
        d[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(d[12..], src.V4);
        BinaryPrimitives.WriteUInt32BigEndian(d[16..], dst.V4);
        BinaryPrimitives.WriteUInt16BigEndian(d[10..], Checksum.Compute(d[..length]));
        return length;
    }

    /// <summary>A 40-byte IPv6 fixed header.</summary>
    public static int WriteIpv6(Span<byte> d, InetAddress src, InetAddress dst, byte nextHeader, int payloadLength,
        byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0)
    {
        const int length = Ipv6Header.HeaderLength;
        if (d.Length < length || payloadLength < 0 || payloadLength > ushort.MaxValue)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt32BigEndian(d, (6u << 28) | ((uint)trafficClass << 20) | (flowLabel & 0x000F_FFFF));
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], (ushort)payloadLength);
        d[6] = nextHeader;
        d[7] = hopLimit;
        BinaryPrimitives.WriteUInt64BigEndian(d[8..], src.High);
        BinaryPrimitives.WriteUInt64BigEndian(d[16..], src.Low);
        BinaryPrimitives.WriteUInt64BigEndian(d[24..], dst.High);
        BinaryPrimitives.WriteUInt64BigEndian(d[32..], dst.Low);
        return length;
    }

    /// <summary>
    /// An IPv4 or IPv6 header, by the family of <paramref name="src"/>; IPv6 takes the TTL as
    /// hop limit and ignores the IPv4-only fields.
    /// </summary>
    public static int WriteIp(Span<byte> d, InetAddress src, InetAddress dst, byte protocol, int payloadLength, byte ttl = 64) =>
        src.IsIPv4
            ? WriteIpv4(d, src, dst, protocol, payloadLength, ttl)
            : WriteIpv6(d, src, dst, protocol, payloadLength, ttl);

    /// <summary>A 20-byte TCP header with checksum 0: finish with <see cref="Checksum.ComputeTransport"/>.</summary>
    public static int WriteTcp(Span<byte> d, ushort sport, ushort dport, uint seq, uint ack, TcpFlags flags, ushort window = 65535)
    {
        const int length = TcpHeader.MinHeaderLength;
        if (d.Length < length)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(d, sport);
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], ack);
        d[12] = (length / 4) << 4;
        d[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(d[14..], window);
        BinaryPrimitives.WriteUInt32BigEndian(d[16..], 0);
        return length;
    }

    /// <summary>An 8-byte UDP header with checksum 0: finish with <see cref="Checksum.ComputeTransport"/>.</summary>
    public static int WriteUdp(Span<byte> d, ushort sport, ushort dport, int payloadLength)
    {
        const int length = UdpHeader.HeaderLength;
        if (d.Length < length || payloadLength < 0 || payloadLength > ushort.MaxValue - length)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(d, sport);
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], dport);
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], (ushort)(length + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(d[6..], 0);
        return length;
    }

    /// <summary>An 8-byte ICMP/ICMPv6 header with checksum 0; <paramref name="rest"/> is bytes 4..8 (echo id and sequence, MTU, ...).</summary>
    public static int WriteIcmp(Span<byte> d, byte type, byte code, uint rest)
    {
        const int length = IcmpHeader.HeaderLength;
        if (d.Length < length)
        {
            return 0;
        }

        d[0] = type;
        d[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], rest);
        return length;
    }
}
