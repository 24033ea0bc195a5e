namespace SharpLvs.Core.Pipeline;

/// <summary>
/// Every reason a packet meant for the director goes nowhere. Each has a counter
/// (<see cref="DataPlaneCounters"/>) and is listed by name; add new reasons at the end.
/// </summary>
public enum DropReason : byte
{
    None = 0,
    ShortFrame,
    BadIpHeaderLength,
    BadIpTotalLength,
    BadIpVersion,
    ShortTransportHeader,
    BadTcpHeaderLength,

    /// <summary>
    /// A new connection that no real server can take (ip_vs_leave). Counted for every such
    /// packet; when the client is answered with ICMP port unreachable the frame leaves as that
    /// error (Verdict.Transmit and <see cref="DataPlaneCounters.IcmpErrors"/>), so this counter
    /// can exceed its share of Verdict.Drop.
    /// </summary>
    NoRealServer,
    RealServerUnavailable,
    NoNextHop,
    ConnectionTableFull,

    /// <summary>
    /// A later fragment whose first fragment was not seen: it came first (out of order), its
    /// first fragment was dropped, or its datagram was already complete (a duplicate).
    /// </summary>
    NotFirstFragment,
    InvalidTcpFlags,
    FrameTooLarge,

    /// <summary>
    /// A TCP segment for a virtual service that is not a SYN (or is an RST) and has no
    /// connection: tcp_conn_schedule schedules only on SYN (sloppy_tcp off).
    /// </summary>
    NoConnection,

    /// <summary>A UDP length field below 8 or beyond the IP payload.</summary>
    BadUdpLength,

    /// <summary>An IPv6 extension-header chain that cannot be walked to the transport header.</summary>
    BadIpv6ExtensionHeaders,

    /// <summary>The real server's forwarding method has no forwarder yet (NAT, TUN, FULLNAT, Local).</summary>
    ForwardingMethodNotSupported,

    /// <summary>CHECKSUM_PARTIAL metadata pointing outside the frame.</summary>
    BadPartialChecksum,

    /// <summary>TUN: the route to the real server gave no source address of its family for the outer header.</summary>
    NoTunnelSource,

    /// <summary>TUN: too few bytes in front of the frame for the outer headers (the port's headroom).</summary>
    NoHeadroom,

    /// <summary>TUN: a GSO super-frame, which the port cannot segment once encapsulated.</summary>
    TunnelGso,

    /// <summary>TUN: the path MTU minus the tunnel headers is below 68 (IPv4) or 1280 (IPv6), as the kernel refuses.</summary>
    TunnelMtuTooSmall,

    /// <summary>
    /// A DF (or IPv6) packet too big for the path; counted here only when no ICMP error could
    /// be built in its place (otherwise it is transmitted as that error, <see cref="DataPlaneCounters.IcmpErrors"/>).
    /// </summary>
    FragmentationNeeded,

    /// <summary>TUN: an IPv4 packet without DF too big for the tunnel; the kernel would fragment the outer packet.</summary>
    TunnelNeedsFragmentation,

    /// <summary>ip_forward's TTL check on a reply routed back to the client: the TTL (hop limit) would reach 0.</summary>
    TtlExceeded,

    /// <summary>
    /// A TCP/UDP packet from a NAT real server's service port (RIP:rport) with no connection
    /// (ip_vs_out with ip_vs_has_real_service): never let out un-NATed.
    /// </summary>
    NoReplyConnection,

    /// <summary>FULLNAT: every local address of the service has no free port for this protocol.</summary>
    LocalPortsExhausted,

    /// <summary>
    /// A packet for another port reached a non-persistent port-zero service: ip_vs_schedule
    /// supports port zero only in persistent services ("check your ipvs configuration").
    /// </summary>
    PortZeroNotPersistent,

    /// <summary>
    /// A Neighbour Solicitation for a VIP lvsd answers that fails RFC 4861 §7.1.1 (hop limit
    /// not 255, code not 0, bad checksum, bad options, a DAD probe to a non-solicited-node
    /// address): silently discarded, as ndisc_recv_ns would.
    /// </summary>
    BadNeighbourSolicitation,

    /// <summary>A first fragment found every slot of its fragment-cache bucket held by a live datagram.</summary>
    FragmentCacheFull,

    /// <summary>A later fragment came after its datagram's fragment-cache timer ran out (ipfrag_time).</summary>
    FragmentExpired,

    /// <summary>A later fragment whose offset lies inside the first fragment's transport header (RFC 1858 §3).</summary>
    FragmentOverlapsTransportHeader,

    /// <summary>An ICMP/ICMPv6 message shorter than its 8-byte header (ip_vs_in_icmp / ip_vs_out_icmp drop it).</summary>
    ShortIcmpHeader,

    /// <summary>An ICMP error for a connection whose checksum fails (ip_vs_in_icmp, handle_response_icmp).</summary>
    BadIcmpChecksum,

    /// <summary>An ICMP error for a connection whose real server was deleted: nobody to hand it to.</summary>
    IcmpRealServerUnavailable,

    /// <summary>An ICMPv6 error behind a fragment header: errors are never fragmented (ip_vs_in_icmp_v6 drops it).</summary>
    FragmentedIcmpv6Error,

    /// <summary>
    /// A fragmentation-needed about a TUN connection's tunnel packet whose client packet had no
    /// DF: the client does no path MTU discovery, so the kernel consumes it (ip_vs_in_icmp).
    /// </summary>
    IcmpTunnelErrorWithoutDf,

    /// <summary>An error about a TUN connection's tunnel packet not passed on to the client: icmp_send's rate limit.</summary>
    IcmpTunnelErrorRateLimited,
}
