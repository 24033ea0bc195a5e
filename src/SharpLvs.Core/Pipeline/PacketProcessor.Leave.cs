using SharpLvs.Core.Forwarding;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// ip_vs_leave (net/netfilter/ipvs/ip_vs_core.c): the service exists but no real server can
/// take a new connection (none, all weight 0, all overloaded, all deleted). The kernel has no
/// TCP socket to answer RST from, so it sends ICMP port unreachable for TCP and UDP alike, from
/// the address the packet was sent to, and drops the packet.
/// </summary>
/// <remarks>
/// ip_vs_leave's two other ways out do not arise here: the cache_bypass entry (a sysctl lvsd
/// does not have, off by default) and the FTP pass-through (a packet to the VIP on another
/// port than 21 reaching the port-21 service, which <c>FindForPacket</c> never hands over).
/// Only a scheduling decision reaches this (tcp_conn_schedule's SYN test comes first), and a
/// full connection table is a plain drop (ip_vs_schedule's <c>*ignored = -1</c>).
/// </remarks>
public sealed partial class PacketProcessor
{
    private readonly IcmpRateLimiter _icmpLimiter = new();
    private ushort _icmpId;

    private DropReason Leave(ref PacketDescriptor packet, in InboundPacket inbound, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.Drop;
        var client = inbound.Flow.Source;

        // RFC 1122 §3.2.2 / RFC 4443 §2.4 (e.3, e.5): no error to a source that names no single
        // host; ip_route_input drops such IPv4 sources as martians before IPVS sees them.
        if (!IsUnicastSource(client))
        {
            return DropReason.NoRealServer;
        }

        var limit = _icmpLimiter.TryTake(client, nowMs);
        if (limit != IcmpLimit.None)
        {
            Counters.CountIcmpRateLimited(limit == IcmpLimit.Global);
            return DropReason.NoRealServer;
        }

        if (!IcmpReply.PortUnreachable(ref packet, inbound, ++_icmpId))
        {
            return DropReason.NoRealServer;
        }

        Counters.CountDrop(DropReason.NoRealServer);
        Counters.CountIcmpError();
        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// IPv4: not 0/8, 127/8, multicast or the limited broadcast (ip_route_input_slow's martian
    /// sources). IPv6: not ::, ::1 (ipv6_rcv) or multicast (icmp6_send).
    /// </summary>
    private static bool IsUnicastSource(InetAddress source)
    {
        if (source.IsIPv4)
        {
            var v4 = (uint)source.Low;
            var first = v4 >> 24;
            return first != 0 && first != 127 && (first & 0xF0) != 0xE0 && v4 != 0xFFFF_FFFF;
        }

        return !source.IsNone && !(source.High == 0 && source.Low == 1) && (source.High >> 56) != 0xFF;
    }
}
