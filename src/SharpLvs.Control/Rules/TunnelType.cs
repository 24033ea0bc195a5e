namespace SharpLvs.Control.Rules;

/// <summary>Encapsulation of a TUN real server (<c>--tun-type</c>), kernel IP_VS_CONN_F_TUNNEL_TYPE_* values.</summary>
public enum TunnelType : byte
{
    IpIp = 0,
    Gue = 1,
    Gre = 2,
}

/// <summary>Checksum option of a GUE/GRE tunnel (<c>--tun-nocsum|--tun-csum|--tun-remcsum</c>), IP_VS_TUNNEL_ENCAP_FLAG_* values.</summary>
[Flags]
public enum TunnelFlags : ushort
{
    NoChecksum = 0,
    Checksum = 0x1,
    RemoteChecksum = 0x2,
}
