namespace SharpLvs.Core.Services;

/// <summary>The encapsulation of a TUN real server (ipvsadm <c>--tun-type</c>), kernel IP_VS_CONN_F_TUNNEL_TYPE_* values.</summary>
public enum TunnelEncapsulation : byte
{
    /// <summary>IP-in-IP (RFC 2003): protocol 4, or 41 for an IPv6 inner packet.</summary>
    IpIp = 0,

    /// <summary>Generic UDP Encapsulation (draft-ietf-intarea-gue), version 0, to <see cref="TunnelSettings.Port"/>.</summary>
    Gue = 1,

    /// <summary>GRE (RFC 2784) with the inner packet's EtherType.</summary>
    Gre = 2,
}

/// <summary>Checksum option of a GUE/GRE tunnel (<c>--tun-nocsum|--tun-csum|--tun-remcsum</c>), IP_VS_TUNNEL_ENCAP_FLAG_* values.</summary>
[Flags]
public enum TunnelChecksum : byte
{
    None = 0,

    /// <summary>Fill the outer UDP (GUE) or GRE checksum.</summary>
    Checksum = 0x1,

    /// <summary>GUE remote checksum offload: the inner transport checksum is left to the receiver.</summary>
    Remote = 0x2,
}

/// <summary>How a TUN real server is reached (the kernel's dest->tun_type, tun_port, tun_flags); immutable, swapped whole.</summary>
/// <param name="Type">The encapsulation.</param>
/// <param name="Port">GUE destination UDP port (host order); 0 otherwise.</param>
/// <param name="Checksum">The checksum option (GUE and GRE only).</param>
public sealed record TunnelSettings(TunnelEncapsulation Type, ushort Port = 0, TunnelChecksum Checksum = TunnelChecksum.None)
{
    /// <summary>Plain IP-in-IP, ipvsadm's default <c>--tun-type ipip</c>.</summary>
    public static readonly TunnelSettings IpIp = new(TunnelEncapsulation.IpIp);
}
