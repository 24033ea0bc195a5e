using System.Runtime.InteropServices;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Connections;

/// <summary>
/// One slot of the connection table (the kernel's <c>struct ip_vs_conn</c>, trimmed). Slots
/// live in one array and link to each other by index: <see cref="Next"/> chains a hash bucket
/// (or the free list), <see cref="WheelNext"/>/<see cref="WheelPrev"/> a timer-wheel slot.
/// About 100 bytes.
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

    /// <summary>A template's own timeout (cp->timeout): each new connection it controls restarts its timer with it.</summary>
    public long TimeoutMs;

    /// <summary>cp->control as index + 1 (0 = none): the template this connection was scheduled by.</summary>
    public int Control;

    /// <summary>cp->n_control: live connections a template controls; it never expires while any remain.</summary>
    public int ControlCount;

    /// <summary>cp->dport: the real server's port, or the virtual port when the server has none (fwmark, port 0).</summary>
    public ushort DestinationPort;

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
}
