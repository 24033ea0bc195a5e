using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpLvs.Packets;

public enum Ipv6ParseResult
{
    Ok,
    Short,
    BadVersion,
    BadPayloadLength,
}

/// <summary>
/// A view over an IPv6 packet's fixed header (RFC 8200 §3), bounded by its payload length.
/// Jumbograms (payload length 0 with a Jumbo option, RFC 2675) are not supported: a payload
/// length of 0 means an empty payload.
/// <code>
/// +-------+---------------+---------------------------------------+
/// |Version| Traffic Class |              Flow Label               |
/// +-------+-------+-------+-------+---------------+---------------+
/// |        Payload Length         |  Next Header  |   Hop Limit   |
/// +-------------------------------+---------------+---------------+
/// |                  Source Address (128 bits)                    |
/// |               Destination Address (128 bits)                  |
/// +---------------------------------------------------------------+
/// </code>
/// </summary>
public ref struct Ipv6Header
{
    public const int HeaderLength = 40;

    private readonly Span<byte> _bytes;

    private Ipv6Header(Span<byte> bytes) => _bytes = bytes;

    public static Ipv6ParseResult TryParse(Span<byte> packet, out Ipv6Header ip)
    {
        ip = default;
        if (packet.Length < HeaderLength)
        {
            return Ipv6ParseResult.Short;
        }

        if (packet[0] >> 4 != 6)
        {
            return Ipv6ParseResult.BadVersion;
        }

        var total = HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        if (total > packet.Length)
        {
            return Ipv6ParseResult.BadPayloadLength;
        }

        ip = new Ipv6Header(packet[..total]);
        return Ipv6ParseResult.Ok;
    }

    public readonly byte TrafficClass => (byte)(BinaryPrimitives.ReadUInt16BigEndian(_bytes) >> 4);

    public readonly uint FlowLabel => BinaryPrimitives.ReadUInt32BigEndian(_bytes) & 0x000F_FFFF;

    public readonly int PayloadLength => _bytes.Length - HeaderLength;

    public readonly byte NextHeader
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _bytes[6];
    }

    public byte HopLimit
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => _bytes[7];
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => _bytes[7] = value;
    }

    /// <summary>IPv6 has no header checksum; the transport checksum is the caller's to update.</summary>
    public InetAddress Source
    {
        readonly get => InetAddress.FromV6(_bytes[8..]);
        set => value.WriteTo(_bytes[8..24]);
    }

    /// <summary>IPv6 has no header checksum; the transport checksum is the caller's to update.</summary>
    public InetAddress Destination
    {
        readonly get => InetAddress.FromV6(_bytes[24..]);
        set => value.WriteTo(_bytes[24..40]);
    }

    /// <summary>Everything after the fixed header (extension headers included), bounded by the payload length.</summary>
    public readonly Span<byte> Payload => _bytes[HeaderLength..];

    /// <summary>The whole IP packet, bounded by the payload length.</summary>
    public readonly Span<byte> Bytes => _bytes;

    /// <summary>Walks this packet's extension headers; see <see cref="Ipv6ExtensionHeaders.TrySkip"/>.</summary>
    public readonly bool TrySkipExtensionHeaders(out Ipv6UpperLayer upper) =>
        Ipv6ExtensionHeaders.TrySkip(Payload, NextHeader, out upper);

    /// <summary>Walks extension headers in <paramref name="payload"/>; see <see cref="Ipv6ExtensionHeaders.TrySkip"/>.</summary>
    public static bool TrySkipExtensionHeaders(ReadOnlySpan<byte> payload, byte nextHeader, out Ipv6UpperLayer upper) =>
        Ipv6ExtensionHeaders.TrySkip(payload, nextHeader, out upper);
}
