using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Connections;

/// <summary>
/// One connection-table entry as lvsd keeps it across a clean restart: the flow, the virtual
/// service and real server it is bound to (by their keys, since the objects are rebuilt from
/// the rules), its state, what is left of its timeout, and the links a restore must remake:
/// the persistence template that controls it, the NAT/FULLNAT reply flow and the FULLNAT
/// local address whose port that flow holds.
/// </summary>
/// <param name="Key">The inbound flow (CIP:CPORT → VIP:VPORT), or a template's key.</param>
/// <param name="Service">The virtual service (ip_vs_conn's dest->svc), by key (a fwmark key for fwmark services).</param>
/// <param name="ServerAddress">RIP.</param>
/// <param name="ServerPort">The real server's port as configured (0 for port-less fwmark servers).</param>
/// <param name="Method">The forwarding method bound at creation (ip_vs_bind_xmit).</param>
/// <param name="State">The TCP state (None for UDP and templates).</param>
/// <param name="Flags">Template, inactive, no-output and which optional parts are present.</param>
/// <param name="RemainingMs">Time left on its timer when it was saved.</param>
/// <param name="Template">Index in the same list of the template controlling it (always earlier), or -1.</param>
/// <param name="ReplyKey">NAT/FULLNAT: the reply flow (RIP:RPORT → CIP:CPORT or LIP:LPORT); default otherwise.</param>
/// <param name="LocalAddress">FULLNAT: the LIP whose port the reply flow holds; default otherwise.</param>
public readonly record struct SavedConnection(
    FlowKey Key,
    ServiceKey Service,
    InetAddress ServerAddress,
    ushort ServerPort,
    ForwardingMethod Method,
    TcpState State,
    SavedConnectionFlags Flags,
    long RemainingMs,
    int Template,
    FlowKey ReplyKey,
    InetAddress LocalAddress)
{
    public bool IsTemplate => (Flags & SavedConnectionFlags.Template) != 0;
}

/// <summary>What a <see cref="SavedConnection"/> carries besides its fixed fields.</summary>
[Flags]
public enum SavedConnectionFlags : byte
{
    None = 0,

    /// <summary>A persistence template (IP_VS_CONN_F_TEMPLATE).</summary>
    Template = 0x01,

    /// <summary>Counted in InActConn (IP_VS_CONN_F_INACTIVE).</summary>
    Inactive = 0x02,

    /// <summary>No reply seen yet (IP_VS_CONN_F_NOOUTPUT).</summary>
    NoOutput = 0x04,

    /// <summary><see cref="SavedConnection.ReplyKey"/> is set (NAT, FULLNAT).</summary>
    ReplyKey = 0x08,

    /// <summary><see cref="SavedConnection.LocalAddress"/> is set (FULLNAT).</summary>
    LocalAddress = 0x10,

    /// <summary>A template past its timeout kept for the connections it controls (re-checked every 60 s).</summary>
    ExpireLater = 0x20,

    /// <summary>Every flag a valid entry may have.</summary>
    All = Template | Inactive | NoOutput | ReplyKey | LocalAddress | ExpireLater,
}

/// <summary>What a restore did with the saved entries, by outcome.</summary>
/// <param name="Restored">Entries back in the table.</param>
/// <param name="Expired">Their timeout ran out while lvsd was down.</param>
/// <param name="NoService">Their virtual service is gone.</param>
/// <param name="NoRealServer">Their real server is gone, quiesced out of the table, or forwards another way now.</param>
/// <param name="Conflicts">The flow (or its reply flow, or its local port) is taken already.</param>
/// <param name="TableFull">No free slot.</param>
public readonly record struct ConnectionRestoreCounts(int Restored, int Expired, int NoService, int NoRealServer, int Conflicts, int TableFull)
{
    public int Dropped => Expired + NoService + NoRealServer + Conflicts + TableFull;
}
