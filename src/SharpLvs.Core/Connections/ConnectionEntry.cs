using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Connections;

/// <summary>
/// One slot of the connection table (the kernel's <c>struct ip_vs_conn</c>, trimmed). Slots
/// live in one array and link to each other by index: <see cref="Next"/> chains a hash bucket
/// (or the free list), <see cref="WheelNext"/>/<see cref="WheelPrev"/> a timer-wheel slot.
/// 128 bytes (a test keeps it so): ten million take 1.28 GB (10^9 bytes).
/// </summary>
/// <remarks>
/// What keeps it small: the two flows are stored flat with one protocol byte (a FlowKey field
/// would pad each to 40 bytes, and a reply flow always has its connection's protocol); the
/// transmitter follows from <see cref="Method"/> (one forwarder per method, as
/// ip_vs_bind_xmit picks it); 16 bits of the hash kept instead of 32, none for the reply flow
/// (a reply lookup compares keys); the expiry is 32 bits relative to the entry's timer-wheel
/// tick (ConnectionTable.Wheel.cs).
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct ConnectionEntry
{
    private InetAddress _source;
    private InetAddress _destination;
    private InetAddress _replySource;
    private InetAddress _replyDestination;

    /// <summary>FULLNAT: the local address whose port <see cref="ReplyKey"/> holds, given back on removal.</summary>
    public LocalAddressPool? LocalPool;

    /// <summary>The destination bound at creation (ip_vs_bind_dest); kept even after it is deleted.</summary>
    public RealServer? Server;

    /// <summary>The virtual service's counters (the kernel reaches them through dest->svc); null for a template.</summary>
    public IpvsStats? ServiceStats;

    /// <summary>The expiry, in ms after the start of the wheel window of the tick in <see cref="WheelSlot"/>.</summary>
    public uint ExpiresOffsetMs;

    /// <summary>
    /// One field for the two ends of the kernel's control link, kept apart by
    /// <see cref="ConnectionFlags.Template"/>: a connection's cp->control as the template's
    /// index + 1 (0 = none); a template's cp->n_control, the live connections it controls
    /// (it never expires while any remain). Shared to keep the entry within its size budget.
    /// </summary>
    public int Control;

    public int Next;

    /// <summary>Chains a bucket of the reply index; -1 also when the entry is not in it.</summary>
    public int ReplyNext;
    public int WheelNext;
    public int WheelPrev;
    private ushort _sourcePort;
    private ushort _destinationPort;
    private ushort _replySourcePort;
    private ushort _replyDestinationPort;

    /// <summary>
    /// The inbound flow's hash, top half: a chain step compares it before the key, and it
    /// sits in the entry's first 64 bytes with <see cref="Next"/> (the addresses are in the second).
    /// </summary>
    public ushort HashTag;

    /// <summary>The timer-wheel slot holding the entry, or <see cref="ConnectionTable.NotFiled"/>.</summary>
    public ushort WheelSlot;
    private byte _protocol;
    public TcpState State;
    public ConnectionFlags Flags;
    public ForwardingMethod Method;

    /// <summary>The inbound flow: Source = CIP:CPORT, Destination = VIP:VPORT.</summary>
    public FlowKey Key
    {
        readonly get => new(_protocol, _source, _sourcePort, _destination, _destinationPort);
        set
        {
            _protocol = value.Protocol;
            _source = value.Source;
            _sourcePort = value.SourcePort;
            _destination = value.Destination;
            _destinationPort = value.DestinationPort;
        }
    }

    /// <summary>
    /// The reply flow for NAT and FULLNAT (RIP:RPORT → CIP:CPORT, or → LIP:LPORT), the second
    /// index's key (the kernel's ip_vs_conn_out_get tuple); default for other methods.
    /// </summary>
    public readonly FlowKey ReplyKey =>
        (Flags & ConnectionFlags.HasReplyKey) == 0
            ? default
            : new(_protocol, _replySource, _replySourcePort, _replyDestination, _replyDestinationPort);

    /// <summary>The transmitter bound at creation (ip_vs_bind_xmit picks it by the forwarding method); null for a template.</summary>
    public readonly IForwarder? Forwarder => (Flags & ConnectionFlags.Template) != 0 ? null : Forwarders.For(Method);

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
                return _destinationPort is 0 or 0xFFFF ? _destinationPort : serverPort;
            }

            return serverPort != 0 ? serverPort : _destinationPort;
        }
    }

    /// <summary>Whether the inbound flow is <paramref name="key"/>; the cheapest differences first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool KeyEquals(in FlowKey key) =>
        _sourcePort == key.SourcePort && _source == key.Source && _destinationPort == key.DestinationPort &&
        _destination == key.Destination && _protocol == key.Protocol;

    /// <summary>Whether the reply flow is <paramref name="key"/> (only asked of entries in the reply index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool ReplyKeyEquals(in FlowKey key) =>
        _replyDestinationPort == key.DestinationPort && _replyDestination == key.Destination &&
        _replySourcePort == key.SourcePort && _replySource == key.Source && _protocol == key.Protocol;

    /// <summary>Stores the reply flow; its protocol is the connection's own.</summary>
    public void SetReplyFlow(in FlowKey key)
    {
        _replySource = key.Source;
        _replySourcePort = key.SourcePort;
        _replyDestination = key.Destination;
        _replyDestinationPort = key.DestinationPort;
    }
}
