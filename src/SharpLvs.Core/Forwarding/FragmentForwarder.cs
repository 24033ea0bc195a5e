using System.Buffers.Binary;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Forwarding;

/// <summary>
/// NAT and FULLNAT for a fragment that is not the first (either direction): only the IP
/// addresses change, with the IPv4 header checksum updated incrementally (RFC 1624). Its
/// bytes are transport payload, covered by the checksum in the first fragment, which was
/// already corrected for the new pseudo-header and ports when that fragment was rewritten.
/// </summary>
internal static class FragmentForwarder
{
    private const int Ipv4SourceOffset = 12;
    private const int Ipv4ChecksumOffset = 10;
    private const int Ipv6SourceOffset = 8;

    /// <summary>Rewrites the addresses to <paramref name="source"/> → <paramref name="destination"/> and sends the fragment to <paramref name="hop"/>.</summary>
    public static DropReason Rewrite(ref PacketDescriptor packet, in InboundPacket fragment, InetAddress source, InetAddress destination, NextHop hop)
    {
        // ensure_mtu_is_adequate, as for a whole packet: a fragment is never cut again here.
        if (hop.Mtu > 0 && fragment.IpLength > hop.Mtu)
        {
            return DropReason.FrameTooLarge;
        }

        var frame = packet.Frame;
        var l3 = frame[fragment.NetworkOffset..];
        if (fragment.IsIPv6)
        {
            source.WriteTo(l3.Slice(Ipv6SourceOffset, 16));
            destination.WriteTo(l3.Slice(Ipv6SourceOffset + 16, 16));
        }
        else
        {
            var checksum = BinaryPrimitives.ReadUInt16BigEndian(l3[Ipv4ChecksumOffset..]);
            checksum = Checksum.UpdateDoubleWord(checksum, BinaryPrimitives.ReadUInt32BigEndian(l3[Ipv4SourceOffset..]), source.V4);
            checksum = Checksum.UpdateDoubleWord(checksum, BinaryPrimitives.ReadUInt32BigEndian(l3[(Ipv4SourceOffset + 4)..]), destination.V4);
            BinaryPrimitives.WriteUInt32BigEndian(l3[Ipv4SourceOffset..], source.V4);
            BinaryPrimitives.WriteUInt32BigEndian(l3[(Ipv4SourceOffset + 4)..], destination.V4);
            BinaryPrimitives.WriteUInt16BigEndian(l3[Ipv4ChecksumOffset..], checksum);
        }

        hop.Destination.WriteTo(frame);
        hop.Source.WriteTo(frame[6..]);
        packet.EgressIfIndex = hop.IfIndex;
        return DropReason.None;
    }
}
