using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// ip_vs_out: a packet that is not for a VIP but may be a reply of a NAT or FULLNAT connection
/// (from a NAT real server, or to a FULLNAT local address) is looked up by its own flow in the
/// connection table's reply index; a hit is counted as OUT, drives the TCP state machine in
/// the output direction, and is rewritten back to come from VIP:vport. Anything else is the
/// host's, except a TCP/UDP packet from a NAT real server's service port (or to a local
/// address's port range) without a connection, which must never leave un-NATed.
/// </summary>
public sealed partial class PacketProcessor
{
    private DropReason ProcessReplyIpv4(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        var l3 = eth.Payload;
        if (!table.IsReplySource(InetAddress.FromV4(l3[12..]))
            && !table.IsLocalAddress(InetAddress.FromV4(l3[Ipv4DestinationOffset..])))
        {
            return DropReason.None;
        }

        // Malformed packets and other protocols are left to the host, as ip_vs_out accepts
        // what it cannot match (the kernel guard keeps the host off the served reply flows).
        if (Ipv4Header.TryParse(l3, out var ip) != Ipv4ParseResult.Ok
            || ip.Protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            return DropReason.None;
        }

        if (ip.IsFragment)
        {
            return ProcessReplyFragmentIpv4(ref packet, eth, ip, table, nowMs, out verdict);
        }

        var reply = default(InboundPacket);
        reply.NetworkOffset = eth.HeaderLength;
        reply.TransportOffset = eth.HeaderLength + ip.HeaderLength;
        reply.IpLength = ip.TotalLength;
        if (ParseTransport(ip.Payload, ip.Protocol, ip.Source, ip.Destination, ref reply) != DropReason.None)
        {
            return DropReason.None;
        }

        return ProcessReply(ref packet, ref reply, table, nowMs, out verdict);
    }

    private DropReason ProcessReplyIpv6(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        var l3 = eth.Payload;
        if (!table.IsReplySource(InetAddress.FromV6(l3[8..]))
            && !table.IsLocalAddress(InetAddress.FromV6(l3[Ipv6DestinationOffset..])))
        {
            return DropReason.None;
        }

        if (Ipv6Header.TryParse(l3, out var ip) != Ipv6ParseResult.Ok
            || !ip.TrySkipExtensionHeaders(out var upper))
        {
            return DropReason.None;
        }

        if (upper.IsFragment && (upper.FragmentOffset != 0 || upper.MoreFragments))
        {
            return ProcessReplyFragmentIpv6(ref packet, eth, ip, upper, table, nowMs, out verdict);
        }

        if (upper.Protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            return DropReason.None;
        }

        var reply = default(InboundPacket);
        reply.IsIPv6 = true;
        reply.NetworkOffset = eth.HeaderLength;
        reply.TransportOffset = eth.HeaderLength + Ipv6Header.HeaderLength + upper.Offset;
        reply.IpLength = ip.Bytes.Length;
        if (ParseTransport(ip.Payload[upper.Offset..], upper.Protocol, ip.Source, ip.Destination, ref reply) != DropReason.None)
        {
            return DropReason.None;
        }

        return ProcessReply(ref packet, ref reply, table, nowMs, out verdict);
    }

    private DropReason ProcessReply(ref PacketDescriptor packet, ref InboundPacket reply, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.Drop;
        if (packet.NeedsChecksum && packet.ChecksumStart + packet.ChecksumOffset + 2 > packet.Length)
        {
            return DropReason.BadPartialChecksum;
        }

        var connections = Connections;
        var index = connections.LookupReply(reply.Flow);
        if (index < 0)
        {
            var flow = reply.Flow;
            if (table.IsRealService(flow.Protocol, flow.Source, flow.SourcePort)
                || (table.IsLocalAddress(flow.Destination) && IsLocalPort(flow.DestinationPort)))
            {
                return DropReason.NoReplyConnection;
            }

            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        ref var entry = ref connections[index];

        // ip_forward routes the reply toward the client: its next hop, resolved by the edge.
        var client = entry.Key.Source;
        if (!NextHops.TryGet(client, out var hop))
        {
            NextHops.Request(client, WorkerIndex);
            return DropReason.NoNextHop;
        }

        // ip_vs_out_stats
        var server = entry.Server!;
        server.Stats.CountOut(reply.IpLength, _shared);
        entry.ServiceStats!.CountOut(reply.IpLength, _shared);
        Counters.Totals.CountOut(reply.IpLength, _shared);

        if (reply.Flow.Protocol == IpProtocols.Tcp)
        {
            connections.OnTcpPacket(index, TcpDirection.Output, reply.TcpFlags, nowMs);
        }
        else
        {
            connections.OnUdpPacket(index, nowMs);
        }

        if (reply.IsFirstFragment)
        {
            BindReplyFragment(reply, ref entry);
        }

        var xmit = NatForwarder.Outbound(ref packet, reply, entry.Key, hop);
        if (xmit != DropReason.None)
        {
            return xmit;
        }

        var checksum = CompleteChecksum(ref packet, reply.Flow.Protocol);
        if (checksum != DropReason.None)
        {
            return checksum;
        }

        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// After scheduling a NAT or FULLNAT connection: file it under its reply flow (FULLNAT
    /// first takes a local address and port) and have the client's next hop resolved before
    /// the first reply needs it.
    /// </summary>
    private DropReason BindReplyFlow(VirtualService service, int index)
    {
        ref var entry = ref Connections[index];
        var method = entry.Method;
        if (method is not (ForwardingMethod.Masquerade or ForwardingMethod.FullNat))
        {
            return DropReason.None;
        }

        var flow = entry.Key;
        var server = entry.Server!;
        if (method == ForwardingMethod.Masquerade)
        {
            // cp->dport: the server's port, or the virtual port for a server without one (fwmark, port 0).
            Connections.SetReplyKey(index, new FlowKey(flow.Protocol, server.Address, entry.DestinationPort, flow.Source, flow.SourcePort), pool: null);
        }
        else
        {
            if (!TryTakeLocalPort(service, flow.Protocol, out var pool, out var port))
            {
                Connections.Remove(index);
                return DropReason.LocalPortsExhausted;
            }

            Connections.SetReplyKey(index, new FlowKey(flow.Protocol, server.Address, entry.DestinationPort, pool.Address, port), pool);
        }

        if (!NextHops.TryGet(flow.Source, out _))
        {
            NextHops.Request(flow.Source, WorkerIndex);
        }

        return DropReason.None;
    }

    /// <summary>DPVS's laddr selection: the service's local addresses in turn, skipping those with no free port.</summary>
    private bool TryTakeLocalPort(VirtualService service, byte protocol, out LocalAddressPool pool, out ushort port)
    {
        var pools = service.LocalAddresses;
        var start = (int)(_localAddressTurn++ % (uint)Math.Max(1, pools.Length));
        for (var n = 0; n < pools.Length; n++)
        {
            pool = pools[(start + n) % pools.Length];
            if (pool.TryAllocate(protocol, WorkerIndex, WorkerCount, out port))
            {
                return true;
            }
        }

        pool = null!;
        port = 0;
        return false;
    }

    private static bool IsLocalPort(ushort port) => port >= LocalAddressPool.DefaultFirstPort;
}
