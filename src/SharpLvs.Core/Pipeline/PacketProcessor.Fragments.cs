using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Fragments;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// Fragmented TCP/UDP datagrams to a VIP, and fragmented NAT/FULLNAT replies. The first
/// fragment (offset 0: the only one with ports) is scheduled or matched as an unfragmented
/// packet would be, and the decision is kept in <see cref="Fragments"/> under (source,
/// destination, protocol, identification); later fragments follow it to the same real server
/// by the same forwarder, or to the same client. NAT and FULLNAT rewrite a later fragment's
/// IP addresses only: its bytes are transport payload, and the first fragment's transport
/// checksum, updated incrementally for the new pseudo-header and ports, stays right for the
/// whole datagram (docs/fragments.md).
/// </summary>
public sealed partial class PacketProcessor
{
    /// <summary>The fragment cache, this worker's own like the connection table.</summary>
    internal FragmentCache Fragments { get; set; } = new();

    private DropReason ProcessFragmentIpv4(ref PacketDescriptor packet, EthernetFrame eth, Ipv4Header ip, ServiceTable table, long nowMs, out Verdict verdict)
    {
        var protocol = ip.Protocol;
        if (protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            // Fragmented ping and other protocols are the host's, whole or not.
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        var key = new FragmentKey(ip.Source, ip.Destination, protocol, ip.Identification);
        var length = ip.TotalLength - ip.HeaderLength;
        if (ip.FragmentOffset != 0)
        {
            return ForwardFragment(ref packet, eth.HeaderLength, ip.TotalLength, false, protocol, key, ip.FragmentOffset, length, ip.MoreFragments, nowMs, out verdict);
        }

        verdict = Verdict.Drop;
        var inbound = default(InboundPacket);
        inbound.NetworkOffset = eth.HeaderLength;
        inbound.TransportOffset = eth.HeaderLength + ip.HeaderLength;
        inbound.IpLength = ip.TotalLength;
        var reason = ParseFirstFragmentTransport(ip.Payload, protocol, ip.Source, ip.Destination, ref inbound, out var headerLength);
        if (reason != DropReason.None)
        {
            return reason;
        }

        return ScheduleFirstFragment(ref packet, ref inbound, key, length, headerLength, table, nowMs, out verdict);
    }

    private DropReason ProcessFragmentIpv6(ref PacketDescriptor packet, EthernetFrame eth, Ipv6Header ip, Ipv6UpperLayer upper, ServiceTable table, long nowMs, out Verdict verdict)
    {
        // RFC 8200 §4.5: the identification, with the addresses, names the datagram; the
        // protocol is not part of the key (the kernel's frag_v6_compare_key).
        var key = new FragmentKey(ip.Source, ip.Destination, 0, upper.FragmentIdentification);
        var length = ip.Bytes.Length - Ipv6Header.HeaderLength - upper.Offset;
        if (upper.FragmentOffset != 0)
        {
            return ForwardFragment(ref packet, eth.HeaderLength, ip.Bytes.Length, true, upper.Protocol, key, upper.FragmentOffset, length, upper.MoreFragments, nowMs, out verdict);
        }

        var protocol = upper.Protocol;
        if (protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        verdict = Verdict.Drop;
        var inbound = default(InboundPacket);
        inbound.IsIPv6 = true;
        inbound.NetworkOffset = eth.HeaderLength;
        inbound.TransportOffset = eth.HeaderLength + Ipv6Header.HeaderLength + upper.Offset;
        inbound.IpLength = ip.Bytes.Length;
        var reason = ParseFirstFragmentTransport(ip.Payload[upper.Offset..], protocol, ip.Source, ip.Destination, ref inbound, out var headerLength);
        if (reason != DropReason.None)
        {
            return reason;
        }

        return ScheduleFirstFragment(ref packet, ref inbound, key, length, headerLength, table, nowMs, out verdict);
    }

    /// <summary>
    /// The first fragment goes through ip_vs_in like any packet once a cache slot is held for
    /// its datagram, so a full cache refuses it before a connection is made for nothing.
    /// </summary>
    private DropReason ScheduleFirstFragment(
        ref PacketDescriptor packet, ref InboundPacket inbound, in FragmentKey key, int length, int headerLength,
        ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.Drop;

        // The sender's stack completes the checksum before it fragments (ip_do_fragment →
        // skb_checksum_help): a partial sum over one fragment cannot be finished here.
        if (packet.NeedsChecksum)
        {
            return DropReason.BadPartialChecksum;
        }

        var slot = Fragments.Reserve(key, nowMs);
        if (slot < 0)
        {
            return DropReason.FragmentCacheFull;
        }

        Fragments[slot].TransportHeaderLength = (ushort)headerLength;
        inbound.IsFirstFragment = true;
        inbound.FragmentSlot = slot;
        var icmpErrors = Counters.IcmpErrors;
        var reason = ProcessVirtual(ref packet, ref inbound, table, nowMs, out verdict);
        SettleFirstFragment(slot, verdict, Counters.IcmpErrors != icmpErrors, length);
        return reason;
    }

    /// <summary>
    /// After the first fragment's verdict: the host's datagram stays the host's; a datagram
    /// whose first fragment was dropped or answered with an ICMP error is forgotten, so its
    /// later fragments are dropped too (the kernel would never have reassembled it).
    /// </summary>
    private void SettleFirstFragment(int slot, Verdict verdict, bool answeredWithError, int length)
    {
        ref var entry = ref Fragments[slot];
        if (verdict == Verdict.PassToKernel)
        {
            entry.Route = FragmentRoute.Host;
        }
        else if (verdict != Verdict.Transmit || answeredWithError || entry.Route == FragmentRoute.Pending)
        {
            Fragments.Remove(slot);
            return;
        }

        Fragments.Account(slot, 0, length, moreFragments: true);
    }

    /// <summary>Called by ip_vs_in's path for a first fragment once its real server and forwarder are known.</summary>
    private void BindFragment(in InboundPacket inbound, RealServer server, IForwarder forwarder, IpvsStats serviceStats)
    {
        ref var entry = ref Fragments[inbound.FragmentSlot];
        entry.Route = FragmentRoute.Inbound;
        entry.Flow = inbound.Flow;
        entry.Server = server;
        entry.Forwarder = forwarder;
        entry.ServiceStats = serviceStats;
        if (forwarder.Method is ForwardingMethod.Masquerade or ForwardingMethod.FullNat)
        {
            // The inbound packet becomes the reply flow reversed (NatForwarder.Inbound).
            entry.NewSource = inbound.ReplyFlow.Destination;
            entry.NewDestination = inbound.ReplyFlow.Source;
        }
        else
        {
            entry.NewSource = inbound.Flow.Source;
            entry.NewDestination = inbound.Flow.Destination;
        }
    }

    /// <summary>A later fragment to a VIP: where its first fragment went, or a named drop.</summary>
    private DropReason ForwardFragment(
        ref PacketDescriptor packet, int networkOffset, int ipLength, bool isIPv6, byte protocol, in FragmentKey key,
        int offset, int length, bool moreFragments, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.Drop;
        var slot = Fragments.Find(key, nowMs, out var expired);
        if (slot < 0)
        {
            if (expired)
            {
                return DropReason.FragmentExpired;
            }

            if (protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
            {
                // An IPv6 fragment names its protocol only in the first one; without a
                // first fragment seen, only TCP/UDP ones are known to be the director's.
                verdict = Verdict.PassToKernel;
                return DropReason.None;
            }

            return DropReason.NotFirstFragment;
        }

        ref var entry = ref Fragments[slot];
        if (entry.Route == FragmentRoute.Host)
        {
            Fragments.Account(slot, offset, length, moreFragments);
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        if (entry.Route != FragmentRoute.Inbound)
        {
            return DropReason.NotFirstFragment;
        }

        if (packet.NeedsChecksum)
        {
            return DropReason.BadPartialChecksum;
        }

        // RFC 1858 §3: data that would land on the transport header on reassembly could
        // change the ports the datagram was scheduled and rewritten by.
        if (offset < entry.TransportHeaderLength)
        {
            return DropReason.FragmentOverlapsTransportHeader;
        }

        var server = entry.Server!;
        if (!server.Available)
        {
            return DropReason.RealServerUnavailable;
        }

        var fragment = default(InboundPacket);
        fragment.Flow = entry.Flow;
        fragment.IsIPv6 = isIPv6;
        fragment.NetworkOffset = networkOffset;
        fragment.TransportOffset = -1;
        fragment.IpLength = ipLength;

        // ip_vs_in_stats counts the reassembled datagram once: later fragments add bytes only.
        server.Stats.CountInBytes(length, _shared);
        entry.ServiceStats!.CountInBytes(length, _shared);
        Counters.Totals.CountInBytes(length, _shared);

        var forwarder = entry.Forwarder!;
        var xmit = forwarder.Method is ForwardingMethod.Masquerade or ForwardingMethod.FullNat
            ? server.NextHop is { } hop
                ? FragmentForwarder.Rewrite(ref packet, fragment, entry.NewSource, entry.NewDestination, hop)
                : DropReason.NoNextHop
            : forwarder.Inbound(ref packet, fragment, server);
        Fragments.Account(slot, offset, length, moreFragments);
        if (xmit == DropReason.FragmentationNeeded && packet.EgressIfIndex != 0)
        {
            Counters.CountIcmpError();
            verdict = Verdict.Transmit;
            return DropReason.None;
        }

        if (xmit != DropReason.None)
        {
            return xmit;
        }

        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// The transport header of a first fragment: all of TCP's header must be in it (RFC 1858
    /// §3.1, tiny fragments); UDP's length field covers the whole datagram, so only a value
    /// below 8 is known to be wrong here (udp_rcv checks the rest after reassembly).
    /// </summary>
    private static DropReason ParseFirstFragmentTransport(
        Span<byte> transport, byte protocol, InetAddress source, InetAddress destination, ref InboundPacket inbound, out int headerLength)
    {
        if (protocol == IpProtocols.Tcp)
        {
            headerLength = transport.Length >= TcpHeader.MinHeaderLength ? (transport[12] >> 4) * 4 : 0;
            return ParseTransport(transport, protocol, source, destination, ref inbound);
        }

        headerLength = UdpHeader.HeaderLength;
        if (transport.Length < UdpHeader.HeaderLength)
        {
            return DropReason.ShortTransportHeader;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(transport[4..]) < UdpHeader.HeaderLength)
        {
            return DropReason.BadUdpLength;
        }

        inbound.Flow = new FlowKey(protocol, source, BinaryPrimitives.ReadUInt16BigEndian(transport),
            destination, BinaryPrimitives.ReadUInt16BigEndian(transport[2..]));
        return DropReason.None;
    }
}
