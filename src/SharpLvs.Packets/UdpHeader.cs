using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpLvs.Packets;

/// <summary>
/// A view over a UDP datagram (RFC 768), bounded by its length field. Setters write the field
/// only; the checksum is the caller's to update (0 over IPv4 means "no checksum").
/// <code>
/// +-------------------------------+-------------------------------+
/// |          Source Port          |       Destination Port        |
/// |            Length             |           Checksum            |
/// +-------------------------------+-------------------------------+
/// </code>
/// </summary>
public ref struct UdpHeader
{
    public const int HeaderLength = 8;
    public const int ChecksumOffset = 6;

    private readonly Span<byte> _bytes;

    private UdpHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Short under 8 bytes; BadLength when the length field is below 8 or beyond the datagram.</summary>
    public static TransportParseResult TryParse(Span<byte> datagram, out UdpHeader udp)
    {
        udp = default;
        if (datagram.Length < HeaderLength)
        {
            return TransportParseResult.Short;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]);
        if (length < HeaderLength || length > datagram.Length)
        {
            return TransportParseResult.BadLength;
        }

        udp = new UdpHeader(datagram[..length]);
        return TransportParseResult.Ok;
    }

    public ushort SourcePort
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes, value);
    }

    public ushort DestinationPort
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[2..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[2..], value);
    }

    public readonly ushort Length => (ushort)_bytes.Length;

    public ushort Checksum
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    public readonly Span<byte> Payload => _bytes[HeaderLength..];

    /// <summary>The whole datagram, bounded by the length field.</summary>
    public readonly Span<byte> Bytes => _bytes;
}
