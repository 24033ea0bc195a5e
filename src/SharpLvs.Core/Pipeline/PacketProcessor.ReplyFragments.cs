using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Fragments;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// ip_vs_out for fragmented NAT/FULLNAT replies (a real server's large UDP answer): the first
/// fragment is matched to its connection and rewritten as any reply; later ones follow it by
/// the fragment cache, their addresses rewritten to VIP → client. A fragment whose first
/// fragment was not seen is the host's, as ip_vs_out accepts what it cannot match (the kernel
/// guard keeps the host from forwarding it).
/// </summary>
public sealed partial class PacketProcessor
{
    private DropReason ProcessReplyFragmentIpv4(ref PacketDescriptor packet, EthernetFrame eth, Ipv4Header ip, ServiceTable table, long nowMs, out Verdict verdict)
    {
        var key = new FragmentKey(ip.Source, ip.Destination, ip.Protocol, ip.Identification);
        var length = ip.TotalLength - ip.HeaderLength;
        if (ip.FragmentOffset != 0)
        {
            return ForwardReplyFragment(ref packet, eth.HeaderLength, ip.TotalLength, false, key, length, ip.FragmentOffset, ip.MoreFragments, nowMs, out verdict);
        }

        var reply = default(InboundPacket);
        reply.NetworkOffset = eth.HeaderLength;
        reply.TransportOffset = eth.HeaderLength + ip.HeaderLength;
        reply.IpLength = ip.TotalLength;
        if (ParseFirstFragmentTransport(ip.Payload, ip.Protocol, ip.Source, ip.Destination, ref reply, out _) != DropReason.None)
        {
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        return MatchFirstReplyFragment(ref packet, ref reply, key, length, table, nowMs, out verdict);
    }

    private DropReason ProcessReplyFragmentIpv6(ref PacketDescriptor packet, EthernetFrame eth, Ipv6Header ip, Ipv6UpperLayer upper, ServiceTable table, long nowMs, out Verdict verdict)
    {
        var key = new FragmentKey(ip.Source, ip.Destination, 0, upper.FragmentIdentification);
        var length = ip.Bytes.Length - Ipv6Header.HeaderLength - upper.Offset;
        if (upper.FragmentOffset != 0)
        {
            return ForwardReplyFragment(ref packet, eth.HeaderLength, ip.Bytes.Length, true, key, length, upper.FragmentOffset, upper.MoreFragments, nowMs, out verdict);
        }

        var reply = default(InboundPacket);
        reply.IsIPv6 = true;
        reply.NetworkOffset = eth.HeaderLength;
        reply.TransportOffset = eth.HeaderLength + Ipv6Header.HeaderLength + upper.Offset;
        reply.IpLength = ip.Bytes.Length;
        if (upper.Protocol is not (IpProtocols.Tcp or IpProtocols.Udp)
            || ParseFirstFragmentTransport(ip.Payload[upper.Offset..], upper.Protocol, ip.Source, ip.Destination, ref reply, out _) != DropReason.None)
        {
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        return MatchFirstReplyFragment(ref packet, ref reply, key, length, table, nowMs, out verdict);
    }

    private DropReason MatchFirstReplyFragment(ref PacketDescriptor packet, ref InboundPacket reply, in FragmentKey key, int length, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.Drop;
        if (packet.NeedsChecksum)
        {
            return DropReason.BadPartialChecksum;
        }

        var slot = Fragments.Reserve(key, nowMs);
        if (slot < 0)
        {
            return DropReason.FragmentCacheFull;
        }

        reply.IsFirstFragment = true;
        reply.FragmentSlot = slot;
        var reason = ProcessReply(ref packet, ref reply, table, nowMs, out verdict);
        SettleFirstFragment(slot, verdict, answeredWithError: false, length);
        return reason;
    }

    /// <summary>Called by ip_vs_out's path for a first reply fragment matched to its connection.</summary>
    private void BindReplyFragment(in InboundPacket reply, ref ConnectionEntry connection)
    {
        ref var entry = ref Fragments[reply.FragmentSlot];
        entry.Route = FragmentRoute.Reply;
        entry.Flow = reply.Flow;
        entry.Server = connection.Server;
        entry.ServiceStats = connection.ServiceStats;

        // From VIP:vport to CIP:cport (tcp_snat_handler; FULLNAT's LIP becomes the client again).
        entry.NewSource = connection.Key.Destination;
        entry.NewDestination = connection.Key.Source;
    }

    private DropReason ForwardReplyFragment(
        ref PacketDescriptor packet, int networkOffset, int ipLength, bool isIPv6, in FragmentKey key,
        int length, int offset, bool moreFragments, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.Drop;
        var slot = Fragments.Find(key, nowMs, out var expired);
        if (slot < 0)
        {
            if (expired)
            {
                return DropReason.FragmentExpired;
            }

            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        ref var entry = ref Fragments[slot];
        if (entry.Route != FragmentRoute.Reply)
        {
            Fragments.Account(slot, offset, length, moreFragments);
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        if (packet.NeedsChecksum)
        {
            return DropReason.BadPartialChecksum;
        }

        if (offset < entry.TransportHeaderLength)
        {
            return DropReason.FragmentOverlapsTransportHeader;
        }

        var client = entry.NewDestination;
        if (!NextHops.TryGet(client, out var hop))
        {
            NextHops.Request(client, WorkerIndex);
            return DropReason.NoNextHop;
        }

        var fragment = default(InboundPacket);
        fragment.IsIPv6 = isIPv6;
        fragment.NetworkOffset = networkOffset;
        fragment.TransportOffset = -1;
        fragment.IpLength = ipLength;

        // ip_vs_out_stats counts the reassembled datagram once: later fragments add bytes only.
        entry.Server!.Stats.CountOutBytes(length, _shared);
        entry.ServiceStats!.CountOutBytes(length, _shared);
        Counters.Totals.CountOutBytes(length, _shared);

        var source = entry.NewSource;
        Fragments.Account(slot, offset, length, moreFragments);
        if (!AddressRewriter.TryDecrementHopLimit(packet.Frame, fragment))
        {
            return DropReason.TtlExceeded;
        }

        var xmit = FragmentForwarder.Rewrite(ref packet, fragment, source, client, hop);
        if (xmit != DropReason.None)
        {
            return xmit;
        }

        verdict = Verdict.Transmit;
        return DropReason.None;
    }
}
