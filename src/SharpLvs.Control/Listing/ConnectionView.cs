using SharpLvs.Packets;

namespace SharpLvs.Control.Listing;

/// <summary>
/// One line of <c>ipvsadm -Lc</c>: what the kernel writes to /proc/net/ip_vs_conn
/// (ip_vs_conn_seq_show), as plain data for lvsadm to format.
/// </summary>
/// <param name="Protocol">ip_vs_proto_name: "TCP", "UDP", "SCTP", or "IP" for a fwmark template.</param>
/// <param name="ProtocolNumber">The IP protocol number, for service-name lookups without -n (0 when none).</param>
/// <param name="State">The state column: a TCP state name (NONE, ESTABLISHED, …) or "UDP".</param>
/// <param name="ExpiresSeconds">Seconds left, truncated as the kernel's (expires - jiffies) / HZ.</param>
/// <param name="PeName">Persistence engine name (only templates of a service with --pe have one).</param>
/// <param name="PeData">Persistence engine data (the SIP Call-ID for the sip engine).</param>
public sealed record ConnectionView(
    string Protocol,
    byte ProtocolNumber,
    InetAddress ClientAddress,
    ushort ClientPort,
    InetAddress VirtualAddress,
    ushort VirtualPort,
    InetAddress DestinationAddress,
    ushort DestinationPort,
    string State,
    long ExpiresSeconds,
    string PeName = "",
    string PeData = "")
{
    /// <summary>ip_vs_proto_name (ip_vs_proto.c): the protocol column of /proc/net/ip_vs_conn.</summary>
    public static string ProtocolName(byte protocol) => protocol switch
    {
        0 => "IP",
        6 => "TCP",
        17 => "UDP",
        132 => "SCTP",
        1 => "ICMP",
        58 => "ICMPv6",
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"IP_{protocol}"),
    };
}
