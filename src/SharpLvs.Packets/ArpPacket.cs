using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>
/// An Ethernet/IPv4 ARP packet (RFC 826). Other hardware or protocol types are not parsed:
/// the director only answers for its virtual addresses on Ethernet.
/// <code>
///  0       2       4    5    6       8              14        18             24        28
/// +-------+-------+----+----+-------+--------------+---------+--------------+---------+
/// | htype | ptype |hlen|plen| oper  | sender MAC   |sender IP| target MAC   |target IP|
/// |   1   |0x0800 | 6  | 4  | 1/2   |              |         |              |         |
/// +-------+-------+----+----+-------+--------------+---------+--------------+---------+
/// </code>
/// </summary>
public ref struct ArpPacket
{
    public const int Length = 28;
    public const ushort OperationRequest = 1;
    public const ushort OperationReply = 2;
    private const ushort HardwareTypeEthernet = 1;

    private readonly Span<byte> _bytes;

    private ArpPacket(Span<byte> bytes) => _bytes = bytes;

    /// <summary>False unless the payload holds a whole Ethernet/IPv4 ARP packet.</summary>
    public static bool TryParse(Span<byte> payload, out ArpPacket arp)
    {
        arp = default;
        if (payload.Length < Length
            || BinaryPrimitives.ReadUInt16BigEndian(payload) != HardwareTypeEthernet
            || BinaryPrimitives.ReadUInt16BigEndian(payload[2..]) != EtherTypes.Ipv4
            || payload[4] != 6
            || payload[5] != 4)
        {
            return false;
        }

        arp = new ArpPacket(payload[..Length]);
        return true;
    }

    public ushort Operation
    {
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[6..], value);
    }

    public MacAddress SenderMac
    {
        readonly get => MacAddress.Read(_bytes[8..]);
        set => value.WriteTo(_bytes[8..]);
    }

    public InetAddress SenderAddress
    {
        readonly get => InetAddress.FromV4(_bytes[14..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[14..], value.V4);
    }

    public MacAddress TargetMac
    {
        readonly get => MacAddress.Read(_bytes[18..]);
        set => value.WriteTo(_bytes[18..]);
    }

    public InetAddress TargetAddress
    {
        readonly get => InetAddress.FromV4(_bytes[24..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[24..], value.V4);
    }

    /// <summary>The 28 ARP bytes.</summary>
    public readonly Span<byte> Bytes => _bytes;

    /// <summary>
    /// Rewrites a request in place into the reply announcing <see cref="TargetAddress"/> at
    /// <paramref name="ourMac"/>, addressed to the requester (RFC 826, "swap hardware and
    /// protocol fields"). The Ethernet header is the caller's to rewrite.
    /// </summary>
    public void TurnIntoReply(MacAddress ourMac)
    {
        var requesterMac = SenderMac;
        var requesterAddress = SenderAddress;
        var announced = TargetAddress;
        Operation = OperationReply;
        SenderMac = ourMac;
        SenderAddress = announced;
        TargetMac = requesterMac;
        TargetAddress = requesterAddress;
    }

    /// <summary>Writes a 28-byte Ethernet/IPv4 ARP packet; returns 28, or 0 if it does not fit.</summary>
    public static int Write(Span<byte> dest, ushort op, MacAddress senderMac, InetAddress senderIp, MacAddress targetMac, InetAddress targetIp)
    {
        if (dest.Length < Length)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(dest, HardwareTypeEthernet);
        BinaryPrimitives.WriteUInt16BigEndian(dest[2..], EtherTypes.Ipv4);
        dest[4] = 6;
        dest[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(dest[6..], op);
        senderMac.WriteTo(dest[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(dest[14..], senderIp.V4);
        targetMac.WriteTo(dest[18..]);
        BinaryPrimitives.WriteUInt32BigEndian(dest[24..], targetIp.V4);
        return Length;
    }
}
