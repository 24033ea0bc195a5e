using SharpLvs.Core.Connections;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// What parsing learned about a client → VIP packet, handed to the forwarder so it need not
/// parse again (the kernel's <c>struct ip_vs_iphdr</c>). Offsets count from the frame's start.
/// </summary>
internal struct InboundPacket
{
    public FlowKey Flow;

    /// <summary>Where the IP header starts (after Ethernet and any VLAN tags).</summary>
    public int NetworkOffset;

    /// <summary>Where the TCP/UDP header starts.</summary>
    public int TransportOffset;

    /// <summary>The IP packet's length by its own header (skb->len for the stats), padding excluded.</summary>
    public int IpLength;

    /// <summary>
    /// The connection's reply flow (RIP:rport → CIP:cport for NAT, RIP:rport → LIP:lport for
    /// FULLNAT), set before a NAT/FULLNAT forwarder runs: the inbound packet becomes its reverse.
    /// </summary>
    public FlowKey ReplyFlow;

    public byte TcpFlags;
    public bool IsIPv6;

    /// <summary>The first fragment of a datagram: its decision is kept in the fragment cache's <see cref="FragmentSlot"/>.</summary>
    public bool IsFirstFragment;

    public int FragmentSlot;
}
