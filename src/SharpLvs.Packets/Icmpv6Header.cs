using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>ICMPv6 message types (RFC 4443, RFC 4861) the director reads or writes.</summary>
public static class Icmpv6Types
{
    public const byte DestinationUnreachable = 1;
    public const byte PacketTooBig = 2;
    public const byte TimeExceeded = 3;
    public const byte ParameterProblem = 4;
    public const byte EchoRequest = 128;
    public const byte EchoReply = 129;
    public const byte RouterSolicitation = 133;
    public const byte RouterAdvertisement = 134;
    public const byte NeighborSolicitation = 135;
    public const byte NeighborAdvertisement = 136;

    /// <summary>Destination unreachable code 4 (RFC 4443 §3.1): port unreachable.</summary>
    public const byte CodePortUnreachable = 4;
}

/// <summary>
/// A view over an ICMPv6 message (RFC 4443 §2.1): same layout as ICMPv4, but the checksum
/// covers an IPv6 pseudo-header, and every type below 128 is an error carrying as much of the
/// offending packet as fits.
/// </summary>
public ref struct Icmpv6Header
{
    public const int HeaderLength = 8;
    public const int ChecksumOffset = 2;

    private readonly Span<byte> _bytes;

    private Icmpv6Header(Span<byte> bytes) => _bytes = bytes;

    public static TransportParseResult TryParse(Span<byte> message, out Icmpv6Header icmp)
    {
        icmp = default;
        if (message.Length < HeaderLength)
        {
            return TransportParseResult.Short;
        }

        icmp = new Icmpv6Header(message);
        return TransportParseResult.Ok;
    }

    public readonly byte Type => _bytes[0];

    public readonly byte Code => _bytes[1];

    public ushort Checksum
    {
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    public readonly ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_bytes[4..]);

    public readonly ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]);

    /// <summary>The MTU of a Packet Too Big message (RFC 4443 §3.2).</summary>
    public readonly uint Mtu => BinaryPrimitives.ReadUInt32BigEndian(_bytes[4..]);

    /// <summary>RFC 4443 §2.1: types 0-127 are errors.</summary>
    public readonly bool IsError => Type < 128;

    /// <summary>For errors, the offending packet (IPv6 header onward); empty otherwise.</summary>
    public readonly Span<byte> EmbeddedPacket => IsError ? _bytes[HeaderLength..] : [];

    public readonly Span<byte> Payload => _bytes[HeaderLength..];

    public readonly Span<byte> Bytes => _bytes;
}
