using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Forwarding;

/// <summary>
/// LVS-DR (ip_vs_dr_xmit): the frame goes to the real server's MAC unchanged above the link
/// layer. The real server holds the VIP itself (on lo, not answering ARP for it) and replies
/// to the client directly, so only the Ethernet addresses change: no IP, port or checksum
/// rewrite, no TTL decrement (the kernel's packet was delivered locally, never routed). The
/// real server's port equals the service's; the control plane enforces that.
/// </summary>
internal sealed class DirectRoutingForwarder : IForwarder
{
    public static readonly DirectRoutingForwarder Instance = new();

    private DirectRoutingForwarder()
    {
    }

    public ForwardingMethod Method => ForwardingMethod.DirectRouting;

    public DropReason Inbound(ref PacketDescriptor packet, in InboundPacket inbound, RealServer server)
    {
        var hop = server.NextHop;
        if (hop is null)
        {
            return DropReason.NoNextHop;
        }

        // ensure_mtu_is_adequate: a packet the next hop cannot carry is not sent (the kernel
        // answers ICMP "fragmentation needed"/"packet too big"; that reply is not built yet).
        // A GSO super-frame is segmented to the MTU on the way out, so it passes.
        if (hop.Mtu > 0 && inbound.IpLength > hop.Mtu && packet.Gso == GsoType.None)
        {
            return DropReason.FrameTooLarge;
        }

        var frame = packet.Frame;
        hop.Destination.WriteTo(frame);
        hop.Source.WriteTo(frame[6..]);
        packet.EgressIfIndex = hop.IfIndex;
        return DropReason.None;
    }
}
