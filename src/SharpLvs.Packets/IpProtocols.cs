namespace SharpLvs.Packets;

/// <summary>IP protocol / IPv6 next-header numbers (IANA "protocol-numbers").</summary>
public static class IpProtocols
{
    public const byte Ipv6HopByHop = 0;
    public const byte Icmp = 1;

    /// <summary>IP-in-IP (RFC 2003), what LVS's TUN forwarding emits.</summary>
    public const byte IpIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;

    /// <summary>IPv6 encapsulated in IP (RFC 2473).</summary>
    public const byte Ipv6 = 41;
    public const byte Ipv6Routing = 43;
    public const byte Ipv6Fragment = 44;

    /// <summary>Generic Routing Encapsulation (RFC 2784).</summary>
    public const byte Gre = 47;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte Icmpv6 = 58;
    public const byte Ipv6NoNext = 59;
    public const byte Ipv6DestinationOptions = 60;
    public const byte Sctp = 132;
}
