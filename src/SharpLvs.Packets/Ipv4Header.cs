using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpLvs.Packets;

public enum Ipv4ParseResult
{
    Ok,
    Short,
    BadVersion,
    BadHeaderLength,
    BadTotalLength,
}

/// <summary>
/// A view over an IPv4 packet (RFC 791 §3.1), bounded by its total length so that Ethernet
/// padding after a short packet is never taken for data. The checks are those of the
/// kernel's <c>ip_rcv_core</c> (net/ipv4/ip_input.c) minus the checksum, which is a separate
/// question (<see cref="IsHeaderChecksumValid"/>).
/// <code>
///  0               1               2               3
/// +-------+-------+---------------+-------------------------------+
/// |Version|  IHL  |      TOS      |          Total Length         |
/// +-------+-------+---------------+-----+-------------------------+
/// |         Identification        |Flags|     Fragment Offset     |
/// +---------------+---------------+-----+-------------------------+
/// |      TTL      |   Protocol    |        Header Checksum        |
/// +---------------+---------------+-------------------------------+
/// |                        Source Address                         |
/// |                      Destination Address                      |
/// |                 Options (IHL > 5) ...                         |
/// +---------------------------------------------------------------+
/// </code>
/// </summary>
public ref struct Ipv4Header
{
    public const int MinHeaderLength = 20;
    private const ushort FlagDontFragment = 0x4000;
    private const ushort FlagMoreFragments = 0x2000;
    private const ushort OffsetMask = 0x1FFF;

    private readonly Span<byte> _bytes;

    private Ipv4Header(Span<byte> bytes) => _bytes = bytes;

    public static Ipv4ParseResult TryParse(Span<byte> packet, out Ipv4Header ip)
    {
        ip = default;
        if (packet.Length < MinHeaderLength)
        {
            return Ipv4ParseResult.Short;
        }

        if (packet[0] >> 4 != 4)
        {
            return Ipv4ParseResult.BadVersion;
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < MinHeaderLength || headerLength > packet.Length)
        {
            return Ipv4ParseResult.BadHeaderLength;
        }

        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (totalLength < headerLength || totalLength > packet.Length)
        {
            return Ipv4ParseResult.BadTotalLength;
        }

        ip = new Ipv4Header(packet[..totalLength]);
        return Ipv4ParseResult.Ok;
    }

    public readonly int HeaderLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_bytes[0] & 0x0F) * 4;
    }

    public readonly int TotalLength => _bytes.Length;

    public readonly byte Tos => _bytes[1];

    public readonly ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_bytes[4..]);

    private readonly ushort FlagsAndOffset => BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]);

    public readonly bool DontFragment => (FlagsAndOffset & FlagDontFragment) != 0;

    public readonly bool MoreFragments => (FlagsAndOffset & FlagMoreFragments) != 0;

    /// <summary>The fragment's offset in bytes (the field counts 8-byte units).</summary>
    public readonly int FragmentOffset => (FlagsAndOffset & OffsetMask) * 8;

    /// <summary>True for any fragment of a fragmented datagram, first one included.</summary>
    public readonly bool IsFragment => (FlagsAndOffset & (FlagMoreFragments | OffsetMask)) != 0;

    /// <summary>True for the fragment at offset 0 of a fragmented datagram: the only one with the transport header.</summary>
    public readonly bool IsFirstFragment => (FlagsAndOffset & (FlagMoreFragments | OffsetMask)) == FlagMoreFragments;

    public readonly bool HasOptions => HeaderLength > MinHeaderLength;

    /// <summary>Setting updates the header checksum incrementally (RFC 1624).</summary>
    public byte Ttl
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => _bytes[8];
        set
        {
            var oldWord = BinaryPrimitives.ReadUInt16BigEndian(_bytes[8..]);
            _bytes[8] = value;
            var newWord = BinaryPrimitives.ReadUInt16BigEndian(_bytes[8..]);
            HeaderChecksum = Checksum.UpdateWord(HeaderChecksum, oldWord, newWord);
        }
    }

    public readonly byte Protocol
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _bytes[9];
    }

    public ushort HeaderChecksum
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[10..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[10..], value);
    }

    /// <summary>Setting updates the header checksum incrementally; the transport checksum is the caller's.</summary>
    public InetAddress Source
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => InetAddress.FromV4(_bytes[12..]);
        set => SetAddress(12, value);
    }

    /// <summary>Setting updates the header checksum incrementally; the transport checksum is the caller's.</summary>
    public InetAddress Destination
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => InetAddress.FromV4(_bytes[16..]);
        set => SetAddress(16, value);
    }

    /// <summary>The options, empty when IHL is 5.</summary>
    public readonly Span<byte> Options => _bytes[MinHeaderLength..HeaderLength];

    /// <summary>The transport payload, bounded by the total length.</summary>
    public readonly Span<byte> Payload
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _bytes[HeaderLength..];
    }

    /// <summary>The whole IP packet, bounded by the total length.</summary>
    public readonly Span<byte> Bytes => _bytes;

    public readonly bool IsHeaderChecksumValid => Checksum.Fold(Checksum.Sum(_bytes[..HeaderLength])) == 0xFFFF;

    /// <summary>Recomputes the header checksum from scratch.</summary>
    public void UpdateHeaderChecksum()
    {
        HeaderChecksum = 0;
        HeaderChecksum = Checksum.Compute(_bytes[..HeaderLength]);
    }

    /// <summary>
    /// Lowers the TTL by one with the incremental checksum update (as <c>ip_decrease_ttl</c>);
    /// false, leaving the packet alone, when the TTL would reach 0.
    /// </summary>
    public bool TryDecrementTtl()
    {
        if (_bytes[8] <= 1)
        {
            return false;
        }

        Ttl = (byte)(_bytes[8] - 1);
        return true;
    }

    private readonly void SetAddress(int offset, InetAddress value)
    {
        var field = _bytes[offset..];
        var oldValue = BinaryPrimitives.ReadUInt32BigEndian(field);
        BinaryPrimitives.WriteUInt32BigEndian(field, value.V4);
        var checksum = BinaryPrimitives.ReadUInt16BigEndian(_bytes[10..]);
        BinaryPrimitives.WriteUInt16BigEndian(_bytes[10..], Checksum.UpdateDoubleWord(checksum, oldValue, value.V4));
    }
}
