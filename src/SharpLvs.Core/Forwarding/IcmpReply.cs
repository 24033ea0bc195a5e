using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Core.Forwarding;

/// <summary>
/// Turns a client's packet, in place, into an ICMP error for the client: "fragmentation
/// needed" / "packet too big" when it does not fit the path (icmp_send / icmpv6_send as
/// ensure_mtu_is_adequate calls them in net/netfilter/ipvs/ip_vs_xmit.c), "port unreachable"
/// when no real server can take it (ip_vs_leave in ip_vs_core.c). The IP and ICMP headers go
/// into the bytes in front of the offending IP packet, which stays where it is as the quote;
/// the link header (VLAN tags included) moves down with its addresses swapped, and the frame
/// leaves through the interface it came in on.
/// </summary>
internal static class IcmpReply
{
    /// <summary>
    /// Builds the "too big" error and points the descriptor at it; returns
    /// <see cref="DropReason.FragmentationNeeded"/> either way, with <c>EgressIfIndex</c> set
    /// only when the reply was built (no room in front of the packet leaves it a plain drop).
    /// </summary>
    public static DropReason TooBig(ref PacketDescriptor packet, in InboundPacket inbound, int mtu, ushort id)
    {
        Build(ref packet, inbound, IcmpTypes.DestinationUnreachable, IcmpTypes.CodeFragmentationNeeded,
            Icmpv6Types.PacketTooBig, 0, (uint)mtu, id);
        return DropReason.FragmentationNeeded;
    }

    /// <summary>
    /// ip_vs_leave's icmp_send(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH) / icmpv6_send(ICMPV6_DEST_UNREACH,
    /// ICMPV6_PORT_UNREACH): builds the error and points the descriptor at it. False (the frame
    /// untouched) when there is no room in front of the packet.
    /// </summary>
    public static bool PortUnreachable(ref PacketDescriptor packet, in InboundPacket inbound, ushort id) =>
        Build(ref packet, inbound, IcmpTypes.DestinationUnreachable, IcmpTypes.CodePortUnreachable,
            Icmpv6Types.DestinationUnreachable, Icmpv6Types.CodePortUnreachable, 0, id);

    private static bool Build(ref PacketDescriptor packet, in InboundPacket inbound, byte type, byte code, byte type6, byte code6,
        uint rest, ushort id)
    {
        var linkLength = inbound.NetworkOffset;
        var headers = inbound.IsIPv6 ? IcmpErrorWriter.Ipv6HeadersLength : IcmpErrorWriter.Ipv4HeadersLength;
        var quote = inbound.IsIPv6 ? IcmpErrorWriter.Ipv6QuoteLength(inbound.IpLength) : IcmpErrorWriter.Ipv4QuoteLength(inbound.IpLength);
        var innerStart = packet.Offset + linkLength;
        var start = innerStart - headers - linkLength;
        if (start < PacketDescriptor.PortReserve)
        {
            return false;
        }

        var whole = packet.WholeBuffer;
        var offending = whole.Slice(innerStart, inbound.IpLength);

        // The error comes from the address the packet was sent to (the VIP, local here), as
        // icmp_send and icmp6_send pick for a locally destined packet.
        InetAddress client, vip;
        byte tos = 0;
        if (inbound.IsIPv6)
        {
            client = InetAddress.FromV6(offending[8..]);
            vip = InetAddress.FromV6(offending[24..]);
        }
        else
        {
            client = InetAddress.FromV4(offending[12..]);
            vip = InetAddress.FromV4(offending[16..]);
            tos = offending[1];
        }

        // Moved before the headers are written: they overwrite the link header's old place.
        var link = whole.Slice(start, linkLength);
        whole.Slice(packet.Offset, linkLength).CopyTo(link);
        var sender = MacAddress.Read(link[6..]);
        var us = MacAddress.Read(link);
        sender.WriteTo(link);
        us.WriteTo(link[6..]);

        var error = whole.Slice(start + linkLength, headers + quote);
        var written = inbound.IsIPv6
            ? IcmpErrorWriter.WriteIpv6Error(error, vip, client, type6, code6, rest)
            : IcmpErrorWriter.WriteIpv4Error(error, vip, client, type, code, rest, IcmpErrorWriter.Ipv4ErrorTos(tos), id);
        if (written == 0)
        {
            return false;
        }

        packet.Offset = start;
        packet.Length = linkLength + written;
        packet.NeedsChecksum = false;
        packet.Gso = GsoType.None;
        packet.EgressIfIndex = packet.IngressIfIndex;
        return true;
    }
}
