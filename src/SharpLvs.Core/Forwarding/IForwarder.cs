using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Forwarding;

/// <summary>
/// A forwarding method's transmitter (the kernel's <c>cp->packet_xmit</c>), bound to a
/// connection once when it is created (ip_vs_bind_xmit), never chosen per packet.
/// </summary>
internal interface IForwarder
{
    ForwardingMethod Method { get; }

    /// <summary>
    /// Rewrites a client → VIP packet in place for <paramref name="server"/> and sets
    /// <c>EgressIfIndex</c>; returns <see cref="DropReason.None"/> to transmit, or why not.
    /// Runs on the data-plane thread; must not allocate.
    /// </summary>
    DropReason Inbound(ref PacketDescriptor packet, in InboundPacket inbound, RealServer server);
}
