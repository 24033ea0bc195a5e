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
    NoRealServer,
    RealServerUnavailable,
    NoNextHop,
    ConnectionTableFull,
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
}
