using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Forwarding;

/// <summary>
/// LVS-NAT (<c>-m</c>, ip_vs_nat_xmit) and DPVS's FULLNAT, one transmitter: the inbound packet
/// takes the connection's reply flow reversed, so NAT rewrites only the destination
/// (VIP:vport → RIP:rport) while FULLNAT also rewrites the source (CIP:cport → LIP:lport).
/// Replies come back through the director (<see cref="Outbound"/>) and are rewritten to come
/// from VIP:vport (and, for FULLNAT, to go to CIP:cport).
/// </summary>
/// <remarks>
/// TTL: ip_vs_nat_xmit runs at LOCAL_IN for a VIP the director owns and sends through
/// LOCAL_OUT, so the inbound packet keeps its TTL; the reply is forwarded by the host's
/// ip_forward, which lowers the TTL before ip_vs_out sees it at FORWARD. Both are matched.
/// </remarks>
internal sealed class NatForwarder : IForwarder
{
    public static readonly NatForwarder Masquerade = new(ForwardingMethod.Masquerade);
    public static readonly NatForwarder FullNat = new(ForwardingMethod.FullNat);

    private NatForwarder(ForwardingMethod method) => Method = method;

    public ForwardingMethod Method { get; }

    public DropReason Inbound(ref PacketDescriptor packet, in InboundPacket inbound, RealServer server)
    {
        var hop = server.NextHop;
        if (hop is null)
        {
            return DropReason.NoNextHop;
        }

        // ensure_mtu_is_adequate, as for DR; a GSO super-frame is segmented on the way out.
        if (hop.Mtu > 0 && inbound.IpLength > hop.Mtu && packet.Gso == GsoType.None)
        {
            return DropReason.FrameTooLarge;
        }

        var frame = packet.Frame;
        var reply = inbound.ReplyFlow;
        var to = new FlowKey(reply.Protocol, reply.Destination, reply.DestinationPort, reply.Source, reply.SourcePort);
        AddressRewriter.Rewrite(frame, inbound, inbound.Flow, to, packet.NeedsChecksum);
        hop.Destination.WriteTo(frame);
        hop.Source.WriteTo(frame[6..]);
        packet.EgressIfIndex = hop.IfIndex;
        return DropReason.None;
    }

    /// <summary>
    /// ip_vs_out for a reply of a NAT/FULLNAT connection (tcp_snat_handler): RIP:rport →
    /// VIP:vport as the source, the client as the destination (unchanged for NAT), sent to the
    /// client's next hop after ip_forward's TTL decrement.
    /// </summary>
    public static DropReason Outbound(ref PacketDescriptor packet, in InboundPacket reply, in FlowKey clientFlow, NextHop hop)
    {
        if (hop.Mtu > 0 && reply.IpLength > hop.Mtu && packet.Gso == GsoType.None)
        {
            return DropReason.FrameTooLarge;
        }

        var frame = packet.Frame;
        if (!AddressRewriter.TryDecrementHopLimit(frame, reply))
        {
            return DropReason.TtlExceeded;
        }

        var to = new FlowKey(clientFlow.Protocol, clientFlow.Destination, clientFlow.DestinationPort, clientFlow.Source, clientFlow.SourcePort);
        AddressRewriter.Rewrite(frame, reply, reply.Flow, to, packet.NeedsChecksum);
        hop.Destination.WriteTo(frame);
        hop.Source.WriteTo(frame[6..]);
        packet.EgressIfIndex = hop.IfIndex;
        return DropReason.None;
    }
}
