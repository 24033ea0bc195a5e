using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpLvs.Packets;

[Flags]
public enum TcpFlags : byte
{
    None = 0,
    Fin = 1,
    Syn = 2,
    Rst = 4,
    Psh = 8,
    Ack = 16,
    Urg = 32,
    Ece = 64,
    Cwr = 128,
}

/// <summary>
/// A view over a TCP segment (RFC 9293 §3.1). Setters write the field only: the checksum is
/// the caller's to update (<see cref="Checksum.UpdateWord"/>), since a CHECKSUM_PARTIAL frame
/// needs a different update than a complete one.
/// <code>
/// +-------------------------------+-------------------------------+
/// |          Source Port          |       Destination Port        |
/// |                        Sequence Number                        |
/// |                    Acknowledgment Number                      |
/// | Offset| Rsrvd |     Flags     |            Window             |
/// |           Checksum            |         Urgent Pointer        |
/// |                    Options (Offset > 5) ...                   |
/// +---------------------------------------------------------------+
/// </code>
/// </summary>
public ref struct TcpHeader
{
    public const int MinHeaderLength = 20;
    public const int ChecksumOffset = 16;

    private readonly Span<byte> _bytes;

    private TcpHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Short under 20 bytes; BadHeaderLength when the data offset is below 5 or runs past the segment.</summary>
    public static TransportParseResult TryParse(Span<byte> segment, out TcpHeader tcp)
    {
        tcp = default;
        if (segment.Length < MinHeaderLength)
        {
            return TransportParseResult.Short;
        }

        var headerLength = (segment[12] >> 4) * 4;
        if (headerLength < MinHeaderLength || headerLength > segment.Length)
        {
            return TransportParseResult.BadHeaderLength;
        }

        tcp = new TcpHeader(segment);
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

    public readonly uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_bytes[4..]);

    public readonly uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_bytes[8..]);

    public readonly int HeaderLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_bytes[12] >> 4) * 4;
    }

    public TcpFlags Flags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => (TcpFlags)_bytes[13];
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => _bytes[13] = (byte)value;
    }

    public readonly ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_bytes[14..]);

    public ushort Checksum
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    public readonly ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_bytes[18..]);

    public readonly Span<byte> Options => _bytes[MinHeaderLength..HeaderLength];

    public readonly Span<byte> Payload
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _bytes[HeaderLength..];
    }

    /// <summary>The whole segment, header and payload.</summary>
    public readonly Span<byte> Bytes => _bytes;
}
