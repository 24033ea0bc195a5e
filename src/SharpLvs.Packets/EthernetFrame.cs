using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpLvs.Packets;

/// <summary>
/// A view over an Ethernet II frame, looking through up to <see cref="MaxVlanTags"/> 802.1Q /
/// 802.1ad tags. The tags stay in the frame untouched: a director in front of a trunk
/// forwards them as they came.
/// <code>
///  0                   6                  12        14 (+4 per tag)
/// +-------------------+-------------------+---------+------------------+
/// | destination MAC   | source MAC        | type    | payload ...      |
/// +-------------------+-------------------+---------+------------------+
///                     a tag is: type 0x8100|0x88A8, TCI (PCP:3 DEI:1 VID:12)
/// </code>
/// </summary>
public ref struct EthernetFrame
{
    public const int MinHeaderLength = 14;
    public const int VlanTagLength = 4;

    /// <summary>QinQ is two tags; anything deeper is refused rather than guessed at.</summary>
    public const int MaxVlanTags = 2;

    private readonly Span<byte> _frame;

    private EthernetFrame(Span<byte> frame, int tagCount, ushort etherType)
    {
        _frame = frame;
        VlanTagCount = tagCount;
        EtherType = etherType;
    }

    /// <summary>False when the frame is shorter than 14 bytes, a tag is cut short or there are too many tags.</summary>
    public static bool TryParse(Span<byte> frame, out EthernetFrame eth)
    {
        eth = default;
        if (frame.Length < MinHeaderLength)
        {
            return false;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var tags = 0;
        while (type is EtherTypes.Vlan or EtherTypes.QinQ)
        {
            if (tags == MaxVlanTags)
            {
                return false;
            }

            var next = MinHeaderLength + (tags * VlanTagLength);
            if (frame.Length < next + VlanTagLength)
            {
                return false;
            }

            type = BinaryPrimitives.ReadUInt16BigEndian(frame[(next + 2)..]);
            tags++;
        }

        eth = new EthernetFrame(frame, tags, type);
        return true;
    }

    public MacAddress Destination
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => MacAddress.Read(_frame);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => value.WriteTo(_frame);
    }

    public MacAddress Source
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => MacAddress.Read(_frame[6..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => value.WriteTo(_frame[6..]);
    }

    /// <summary>The type after any VLAN tags.</summary>
    public ushort EtherType { get; }

    public int VlanTagCount { get; }

    public readonly int HeaderLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => MinHeaderLength + (VlanTagCount * VlanTagLength);
    }

    /// <summary>The VLAN id (12 bits) of the outermost tag, or 0 for an untagged frame.</summary>
    public readonly ushort OuterVlanId =>
        VlanTagCount == 0 ? (ushort)0 : (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_frame[14..]) & 0x0FFF);

    public readonly Span<byte> Payload
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _frame[HeaderLength..];
    }

    /// <summary>The whole frame.</summary>
    public readonly Span<byte> Bytes => _frame;
}
