using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// ICMP errors that belong to a connection (net/netfilter/ipvs/ip_vs_core.c). Inbound
/// (ip_vs_in_icmp / ip_vs_in_icmp_v6): an error sent to a VIP about a packet that left
/// VIP:vport for CIP:cport goes to the connection's real server by its forwarding method
/// (ip_vs_icmp_xmit: DR and TUN send it as it is, NAT and FULLNAT rewrite it to what the
/// real server sent, ip_vs_nat_icmp). Outbound (ip_vs_out_icmp / ip_vs_out_icmp_v6): an
/// error about a packet the director sent a NAT or FULLNAT real server is rewritten to come
/// from the VIP and quote CIP:cport → VIP:vport, and routed to the client as NAT replies
/// are. Everything else (echo, neighbour discovery, errors for no connection) is the host's.
/// </summary>
/// <remarks>
/// The quoted transport checksum is left as it was, as the kernel leaves it: a quote is
/// usually cut short, so it cannot be recomputed, and receivers do not check it.
/// </remarks>
public sealed partial class PacketProcessor
{
    /// <summary>ip_vs_in_icmp: an ICMP message to a VIP, IPv4 (already parsed; not a non-first fragment).</summary>
    private DropReason ProcessIcmpToVirtualIpv4(ref PacketDescriptor packet, EthernetFrame eth, Ipv4Header ip, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;

        // A fragmented error is reassembled by the kernel (ip_vs_gather_frags); an error is
        // at most 576 bytes, so none is expected: it is left to the host.
        if (ip.IsFragment)
        {
            return DropReason.None;
        }

        var outer = Outer(eth.HeaderLength, ip.HeaderLength, ip.TotalLength, isIPv6: false);
        var message = ip.Payload;
        if (message.Length < IcmpHeader.HeaderLength)
        {
            verdict = Verdict.Drop;
            return DropReason.ShortIcmpHeader;
        }

        if (!IsIpv4ConnectionError(message[0]))
        {
            return DropReason.None;
        }

        return RelayToRealServer(ref packet, ref outer, message, table, nowMs, out verdict);
    }

    /// <summary>ip_vs_in_icmp_v6: an ICMPv6 message to a VIP (<paramref name="upper"/> is its place after any extension headers).</summary>
    private DropReason ProcessIcmpToVirtualIpv6(ref PacketDescriptor packet, EthernetFrame eth, Ipv6Header ip, Ipv6UpperLayer upper, ServiceTable table, long nowMs,
        out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        var outer = Outer(eth.HeaderLength, Ipv6Header.HeaderLength + upper.Offset, ip.Bytes.Length, isIPv6: true);
        var message = ip.Payload[upper.Offset..];
        if (message.Length < Icmpv6Header.HeaderLength)
        {
            verdict = Verdict.Drop;
            return DropReason.ShortIcmpHeader;
        }

        // ICMPV6_INFOMSG_MASK: echo, neighbour discovery and the other informational types.
        if ((message[0] & 0x80) != 0)
        {
            return DropReason.None;
        }

        // "Fragment header that is before ICMP header tells us that it's not an error
        // message since they can't be fragmented."
        if (upper.IsFragment)
        {
            verdict = Verdict.Drop;
            return DropReason.FragmentedIcmpv6Error;
        }

        return RelayToRealServer(ref packet, ref outer, message, table, nowMs, out verdict);
    }

    /// <summary>
    /// ip_vs_out_icmp: an ICMP message not for a VIP, while NAT or FULLNAT services exist; and
    /// ip_vs_in_icmp's tunnel case, while TUN real servers exist (an error to the director's
    /// own address about its tunnel packet).
    /// </summary>
    private DropReason ProcessIcmpReplyIpv4(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        if (Ipv4Header.TryParse(eth.Payload, out var ip) != Ipv4ParseResult.Ok || ip.IsFragment)
        {
            return DropReason.None;
        }

        var message = ip.Payload;
        if (message.Length < IcmpHeader.HeaderLength)
        {
            verdict = Verdict.Drop;
            return DropReason.ShortIcmpHeader;
        }

        if (!IsIpv4ConnectionError(message[0]))
        {
            return DropReason.None;
        }

        var outer = Outer(eth.HeaderLength, ip.HeaderLength, ip.TotalLength, isIPv6: false);
        if (table.HasTunnels)
        {
            var tunnel = RelayTunnelError(ref packet, outer, message, table, nowMs, out verdict, out var handled);
            if (handled)
            {
                return tunnel;
            }
        }

        return table.HasReplyPath ? RelayToClient(ref packet, ref outer, message, table, nowMs, out verdict) : DropReason.None;
    }

    /// <summary>ip_vs_out_icmp_v6: an ICMPv6 message (right after the fixed header) not for a VIP, while NAT or FULLNAT services exist.</summary>
    private DropReason ProcessIcmpReplyIpv6(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        if (Ipv6Header.TryParse(eth.Payload, out var ip) != Ipv6ParseResult.Ok)
        {
            return DropReason.None;
        }

        var message = ip.Payload;
        if (message.Length < Icmpv6Header.HeaderLength)
        {
            verdict = Verdict.Drop;
            return DropReason.ShortIcmpHeader;
        }

        if ((message[0] & 0x80) != 0)
        {
            return DropReason.None;
        }

        var outer = Outer(eth.HeaderLength, Ipv6Header.HeaderLength, ip.Bytes.Length, isIPv6: true);
        return RelayToClient(ref packet, ref outer, message, table, nowMs, out verdict);
    }

    /// <summary>The types ip_vs_in_icmp and ip_vs_out_icmp relate to a connection: unreachable, source quench, time exceeded.</summary>
    private static bool IsIpv4ConnectionError(byte type) =>
        type is IcmpTypes.DestinationUnreachable or IcmpTypes.SourceQuench or IcmpTypes.TimeExceeded;

    private static InboundPacket Outer(int networkOffset, int headerLength, int ipLength, bool isIPv6)
    {
        var outer = default(InboundPacket);
        outer.IsIPv6 = isIPv6;
        outer.NetworkOffset = networkOffset;
        outer.TransportOffset = networkOffset + headerLength;
        outer.IpLength = ipLength;
        return outer;
    }

    /// <summary>
    /// Reads the quote far enough to name a TCP/UDP flow. False (the host's) where the
    /// kernel accepts: a quote it cannot read ("The packet looks wrong, ignore"), a
    /// non-first fragment, a protocol without an IPVS handler.
    /// </summary>
    private static bool TryReadQuote(Span<byte> message, bool isIPv6, out IcmpQuote quote) =>
        IcmpQuote.TryParse(message[IcmpHeader.HeaderLength..], isIPv6, out quote) == IcmpQuoteParseResult.Ok
        && quote.Protocol is IpProtocols.Tcp or IpProtocols.Udp;

    private DropReason RelayToRealServer(ref PacketDescriptor packet, ref InboundPacket outer, Span<byte> message, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        if (!TryReadQuote(message, outer.IsIPv6, out var quote))
        {
            return DropReason.None;
        }

        // The quoted packet went VIP:vport → CIP:cport; its connection is CIP:cport → VIP:vport.
        var key = new FlowKey(quote.Protocol, quote.Destination, quote.DestinationPort, quote.Source, quote.SourcePort);
        var connections = Connections;
        var index = connections.Lookup(key);
        RealServer server;
        IForwarder forwarder;
        IpvsStats serviceStats;
        if (index >= 0)
        {
            ref var entry = ref connections[index];
            server = entry.Server!;
            forwarder = entry.Forwarder!;
            serviceStats = entry.ServiceStats!;
        }
        else
        {
            // schedule_icmp: ip_vs_try_to_schedule for the quoted flow, so that an error
            // reaching a director without the connection (another director's, or one it
            // lost) still goes where a hashing scheduler sends the flow.
            if (table.Tunables.ScheduleIcmp == 0)
            {
                return DropReason.None;
            }

            var scheduled = ScheduleForIcmp(key, table, nowMs, out verdict, out index, out server!, out forwarder!, out serviceStats!);
            if (verdict != Verdict.Transmit)
            {
                return scheduled;
            }
        }

        verdict = Verdict.Drop;
        if (!server.Available)
        {
            return DropReason.IcmpRealServerUnavailable;
        }

        var checksum = VerifyIcmpChecksum(ref packet, outer, message);
        if (checksum != DropReason.None)
        {
            return checksum;
        }

        // ip_vs_in_stats: skb->len is the whole ICMP packet.
        server.Stats.CountIn(outer.IpLength, _shared);
        serviceStats.CountIn(outer.IpLength, _shared);
        Counters.Totals.CountIn(outer.IpLength, _shared);

        DropReason xmit;
        var method = forwarder.Method;
        if (method is ForwardingMethod.Masquerade or ForwardingMethod.FullNat)
        {
            xmit = index >= 0 ? NatIcmpToServer(ref packet, outer, quote, ref connections[index], server) : DropReason.NoConnection;
        }
        else
        {
            // ip_vs_icmp_xmit: "The ICMP packet for VS/TUN, VS/DR ... will be forwarded
            // directly here": the connection's own transmitter, the packet untouched.
            outer.Flow = key;
            xmit = forwarder.Inbound(ref packet, outer, server);
        }

        if (xmit != DropReason.None)
        {
            // A tunnel too small for the error: icmp_send never answers an ICMP error with
            // another, so whatever the forwarder made of it is dropped.
            return xmit;
        }

        Counters.CountIcmpRelayed();
        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// ip_vs_try_to_schedule with an ICMP quote: the protocol's conn_schedule finds the
    /// service by the quote's source (VIP:vport) and schedules CIP:cport without the SYN test
    /// (tcp_conn_schedule reads only the ports of a quote). No service: the host's; no real
    /// server: dropped (ip_vs_leave drops an ICMP packet rather than answer it). The verdict
    /// says which: PassToKernel, Drop (with the reason), or Transmit (scheduled, go on).
    /// </summary>
    private DropReason ScheduleForIcmp(in FlowKey key, ServiceTable table, long nowMs, out Verdict verdict,
        out int index, out RealServer? server, out IForwarder? forwarder, out IpvsStats? serviceStats)
    {
        index = -1;
        server = null;
        forwarder = null;
        serviceStats = null;
        verdict = Verdict.PassToKernel;
        var service = table.FindForPacket(key.Protocol, key.Destination, key.DestinationPort);
        if (service is null)
        {
            return DropReason.None;
        }

        verdict = Verdict.Drop;
        var inbound = default(InboundPacket);
        inbound.Flow = key;
        inbound.IsIPv6 = !key.Source.IsIPv4;
        var reason = Schedule(service, ref inbound, table.Tunables, nowMs, out index, out server, out forwarder);
        if (reason == DropReason.None && index >= 0)
        {
            reason = BindReplyFlow(service, index);
        }

        if (reason != DropReason.None)
        {
            return reason;
        }

        serviceStats = service.Stats;
        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    private DropReason RelayToClient(ref PacketDescriptor packet, ref InboundPacket outer, Span<byte> message, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        if (!TryReadQuote(message, outer.IsIPv6, out var quote))
        {
            return DropReason.None;
        }

        // The quoted packet is the one the director sent the real server (CIP:cport or
        // LIP:lport → RIP:rport): reversed, it is the connection's reply flow.
        var reply = new FlowKey(quote.Protocol, quote.Destination, quote.DestinationPort, quote.Source, quote.SourcePort);
        var connections = Connections;
        var index = connections.LookupReply(reply);
        if (index < 0)
        {
            return DropReason.None;
        }

        verdict = Verdict.Drop;
        ref var entry = ref connections[index];

        // handle_response_icmp: "Ensure the checksum is correct" before rewriting it.
        var checksum = VerifyIcmpChecksum(ref packet, outer, message);
        if (checksum != DropReason.None)
        {
            return checksum;
        }

        var client = entry.Key.Source;
        if (!NextHops.TryGet(client, out var hop))
        {
            NextHops.Request(client, WorkerIndex);
            return DropReason.NoNextHop;
        }

        if (hop.Mtu > 0 && outer.IpLength > hop.Mtu)
        {
            return DropReason.FrameTooLarge;
        }

        var frame = packet.Frame;

        // ip_forward's hop, as for a NAT reply (ip_vs_out_icmp runs at FORWARD).
        if (!AddressRewriter.TryDecrementHopLimit(frame, outer))
        {
            return DropReason.TtlExceeded;
        }

        // ip_vs_nat_icmp(inout = 1): the error comes from VIP and quotes CIP:cport → VIP:vport;
        // FULLNAT also takes it from the local address to the client.
        var key = entry.Key;
        quote.Write(key.Source, key.SourcePort, key.Destination, key.DestinationPort);
        RewriteOuterAndChecksums(frame, outer, quote, key.Destination, key.Source);

        // ip_vs_out_stats: the ICMP packet counts as OUT.
        var server = entry.Server!;
        server.Stats.CountOut(outer.IpLength, _shared);
        entry.ServiceStats!.CountOut(outer.IpLength, _shared);
        Counters.Totals.CountOut(outer.IpLength, _shared);

        hop.Destination.WriteTo(frame);
        hop.Source.WriteTo(frame[6..]);
        packet.EgressIfIndex = hop.IfIndex;
        Counters.CountIcmpRelayed();
        verdict = Verdict.Transmit;
        return DropReason.None;
    }
}
