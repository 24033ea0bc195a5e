namespace SharpLvs.Core.Connections;

/// <summary>Per-entry flags, after the kernel's IP_VS_CONN_F_* where one exists.</summary>
[Flags]
internal enum ConnectionFlags : byte
{
    None = 0,

    /// <summary>The slot holds a live connection (not on the free list).</summary>
    InUse = 0x01,

    /// <summary>IP_VS_CONN_F_INACTIVE: counted in the real server's InActConn rather than ActiveConn.</summary>
    Inactive = 0x02,

    /// <summary>IP_VS_CONN_F_NOOUTPUT: no reply seen yet; TCP input then follows the INPUT_ONLY table.</summary>
    NoOutput = 0x04,

    /// <summary>IP_VS_CONN_F_TEMPLATE: a persistence template, found only by <see cref="ConnectionTable.LookupTemplate"/>.</summary>
    Template = 0x08,

    /// <summary>The entry was taken out of the hash (ip_vs_check_template's invalidation); it waits for its timer.</summary>
    Unhashed = 0x10,

    /// <summary>
    /// A template that outlived its timer while it controlled connections: ip_vs_conn_expire
    /// then sets cp->timeout to 60 s, which later connections refresh it with.
    /// </summary>
    ExpireLater = 0x20,

    /// <summary>The entry is also filed under its reply flow (NAT, FULLNAT).</summary>
    HasReplyKey = 0x40,

    /// <summary>The inbound flow was handed to <see cref="ConnectionTable.FlowOffload"/>, which forwards its established packets.</summary>
    Offloaded = 0x80,
}
