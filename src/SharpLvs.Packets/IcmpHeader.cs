using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>ICMPv4 message types (RFC 792) the director reads or writes.</summary>
public static class IcmpTypes
{
    public const byte EchoReply = 0;
    public const byte DestinationUnreachable = 3;
    public const byte SourceQuench = 4;
    public const byte Redirect = 5;
    public const byte EchoRequest = 8;
    public const byte TimeExceeded = 11;
    public const byte ParameterProblem = 12;

    /// <summary>Destination unreachable code 4 (RFC 1191 path MTU discovery): the next-hop MTU is in bytes 6..8.</summary>
    public const byte CodeFragmentationNeeded = 4;
    public const byte CodePortUnreachable = 3;
}

/// <summary>
/// A view over an ICMPv4 message (RFC 792). Error messages embed the offending packet's IP
/// header and at least 8 bytes of its payload, which is how LVS maps them back to a
/// connection (<c>ip_vs_in_icmp</c> in net/netfilter/ipvs/ip_vs_core.c).
/// <code>
/// +---------------+---------------+-------------------------------+
/// |     Type      |     Code      |           Checksum            |
/// |            Rest of header (identifier/sequence, MTU, ...)     |
/// |            Data (errors: the embedded IP packet) ...          |
/// +---------------------------------------------------------------+
/// </code>
/// </summary>
public ref struct IcmpHeader
{
    public const int HeaderLength = 8;
    public const int ChecksumOffset = 2;

    private readonly Span<byte> _bytes;

    private IcmpHeader(Span<byte> bytes) => _bytes = bytes;

    public static TransportParseResult TryParse(Span<byte> message, out IcmpHeader icmp)
    {
        icmp = default;
        if (message.Length < HeaderLength)
        {
            return TransportParseResult.Short;
        }

        icmp = new IcmpHeader(message);
        return TransportParseResult.Ok;
    }

    public readonly byte Type => _bytes[0];

    public readonly byte Code => _bytes[1];

    public ushort Checksum
    {
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    /// <summary>Echo identifier (types 0 and 8).</summary>
    public readonly ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_bytes[4..]);

    /// <summary>Echo sequence number (types 0 and 8).</summary>
    public readonly ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]);

    /// <summary>The next-hop MTU of a "fragmentation needed" message (RFC 1191 §4).</summary>
    public readonly ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]);

    /// <summary>The error types that carry an offending packet (RFC 1122 §3.2.2).</summary>
    public readonly bool IsError => IsErrorType(Type);

    /// <summary>For errors, the offending packet (IP header onward); empty otherwise.</summary>
    public readonly Span<byte> EmbeddedPacket => IsError ? _bytes[HeaderLength..] : [];

    /// <summary>Everything after the 8-byte header.</summary>
    public readonly Span<byte> Payload => _bytes[HeaderLength..];

    public readonly Span<byte> Bytes => _bytes;

    public readonly bool IsChecksumValid => Packets.Checksum.Fold(Packets.Checksum.Sum(_bytes)) == 0xFFFF;

    public static bool IsErrorType(byte type) => type is IcmpTypes.DestinationUnreachable or IcmpTypes.SourceQuench
        or IcmpTypes.Redirect or IcmpTypes.TimeExceeded or IcmpTypes.ParameterProblem;
}
