using System.Runtime.InteropServices;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Connections;

/// <summary>
/// One slot of the connection table (the kernel's <c>struct ip_vs_conn</c>, trimmed). Slots
/// live in one array and link to each other by index: <see cref="Next"/> chains a hash bucket
/// (or the free list), <see cref="WheelNext"/>/<see cref="WheelPrev"/> a timer-wheel slot.
/// At most 160 bytes (a test keeps it so).
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct ConnectionEntry
{
    /// <summary>The inbound flow: Source = CIP:CPORT, Destination = VIP:VPORT.</summary>
    public FlowKey Key;

    /// <summary>
    /// The reply flow for NAT and FULLNAT (RIP:RPORT → CIP:CPORT, or → LIP:LPORT), the second
    /// index's key (the kernel's ip_vs_conn_out_get tuple); default for other methods.
    /// </summary>
    public FlowKey ReplyKey;

    /// <summary>FULLNAT: the local address whose port <see cref="ReplyKey"/> holds, given back on removal.</summary>
    public LocalAddressPool? LocalPool;

    /// <summary>The destination bound at creation (ip_vs_bind_dest); kept even after it is deleted.</summary>
    public RealServer? Server;

    /// <summary>The transmitter bound at creation (ip_vs_bind_xmit).</summary>
    public IForwarder? Forwarder;

    /// <summary>The virtual service's counters (the kernel reaches them through dest->svc).</summary>
    public IpvsStats? ServiceStats;

    public long ExpiresMs;

    /// <summary>The timer-wheel tick (seconds) whose slot holds this entry.</summary>
    public long WheelTick;

    /// <summary>
    /// One field for the two ends of the kernel's control link, kept apart by
    /// <see cref="ConnectionFlags.Template"/>: a connection's cp->control as the template's
    /// index + 1 (0 = none); a template's cp->n_control, the live connections it controls
    /// (it never expires while any remain). Shared to keep the entry within its size budget.
    /// </summary>
    public int Control;

    public int Hash;
    public int Next;
    public int ReplyHash;

    /// <summary>Chains a bucket of the reply index; -1 also when the entry is not in it.</summary>
    public int ReplyNext;
    public int WheelNext;
    public int WheelPrev;
    public TcpState State;
    public ConnectionFlags Flags;
    public ForwardingMethod Method;

    /// <summary>
    /// cp->dport: for a connection the real server's port, or the virtual port when the
    /// server has none (fwmark, port 0); for a template the server's port when it is keyed on
    /// the virtual port, else 0 (fwmark, port-zero, FTP), 65535 once invalidated.
    /// </summary>
    public readonly ushort DestinationPort
    {
        get
        {
            var serverPort = Server?.Port ?? 0;
            if ((Flags & ConnectionFlags.Template) != 0)
            {
                return Key.DestinationPort is 0 or 0xFFFF ? Key.DestinationPort : serverPort;
            }

            return serverPort != 0 ? serverPort : Key.DestinationPort;
        }
    }
}
