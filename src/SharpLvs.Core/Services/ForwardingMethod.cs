namespace SharpLvs.Core.Services;

/// <summary>
/// How the director hands a packet to a real server (ipvsadm's <c>-g -m -i</c>), bound once
/// per connection as the kernel's <c>ip_vs_bind_xmit</c> does. Values follow the kernel's
/// IP_VS_CONN_F_FWD_MASK codes.
/// </summary>
public enum ForwardingMethod : byte
{
    /// <summary><c>-m</c>, printed "Masq".</summary>
    Masquerade = 0,

    /// <summary>The real server is the director itself, printed "Local".</summary>
    Local = 1,

    /// <summary><c>-i</c>, IP-in-IP, printed "Tunnel".</summary>
    Tunnel = 2,

    /// <summary><c>-g</c> (the default), MAC rewrite, printed "Route".</summary>
    DirectRouting = 3,

    /// <summary>DPVS's FULLNAT: source and destination rewritten.</summary>
    FullNat = 5,
}
