using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// A real server ("destination", the kernel's <c>struct ip_vs_dest</c>) of one virtual service.
/// The control plane keeps the same object across snapshots while the server stays in its
/// service, so counters and the connections bound to it survive rule edits. Settable members
/// are written by the control plane (or, for <see cref="NextHop"/>, the Linux edge) and read
/// by the data plane without locks; connection counts are written by the data-plane thread(s).
/// </summary>
public sealed class RealServer
{
    private static long _withdrawals;

    private volatile int _weight;
    private volatile int _lastWeight;
    private volatile ForwardingMethod _method;
    private volatile NextHop? _nextHop;
    private volatile TunnelSettings _tunnel = TunnelSettings.IpIp;
    private volatile bool _available = true;
    private volatile bool _overloaded;
    private volatile int _upperThreshold;
    private volatile int _lowerThreshold;
    private int _activeConnections;
    private int _inactiveConnections;
    private int _persistentConnections;

    public RealServer(InetAddress address, ushort port, ForwardingMethod method, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        Address = address;
        Port = port;
        _method = method;
        _weight = weight;
        _lastWeight = weight;
    }

    /// <summary>RIP, the real server's address.</summary>
    public InetAddress Address { get; }

    public ushort Port { get; }

    /// <summary>How new connections reach this server; a connection keeps the method it was bound with.</summary>
    public ForwardingMethod Method
    {
        get => _method;
        set => _method = value;
    }

    /// <summary>0 quiesces the server: no new connections, existing ones go on (ip_vs_rr.c, ip_vs_wrr.c).</summary>
    public int Weight
    {
        get => _weight;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (value != 0)
            {
                _lastWeight = value;
            }

            _weight = value;
        }
    }

    /// <summary>The encapsulation used when <see cref="Method"/> is <see cref="ForwardingMethod.Tunnel"/>.</summary>
    public TunnelSettings Tunnel
    {
        get => _tunnel;
        set => _tunnel = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// The kernel's <c>last_weight</c>: the weight given when the server was added, then the
    /// latest non-zero one (__ip_vs_update_dest). mh keeps a quiesced server's table slots by it.
    /// </summary>
    public int LastWeight => _lastWeight;

    /// <summary>Where frames to this server go on the wire; null while unresolved (its packets are dropped).</summary>
    public NextHop? NextHop
    {
        get => _nextHop;
        set => _nextHop = value;
    }

    /// <summary>
    /// False once the server is deleted from its service (IP_VS_DEST_F_AVAILABLE cleared): as in
    /// ip_vs_in, packets of its remaining connections are dropped until those expire.
    /// </summary>
    public bool Available
    {
        get => _available;
        set
        {
            if (_available && !value)
            {
                Interlocked.Increment(ref _withdrawals);
            }

            _available = value;
        }
    }

    /// <summary>
    /// How many times any real server became unavailable: a compiler that remembers this
    /// count with a table knows, while it is unchanged, that no server of that table was
    /// withdrawn since (so it need not look at 100,000 of them to carry services over).
    /// </summary>
    public static long Withdrawals => Interlocked.Read(ref _withdrawals);

    /// <summary>
    /// IP_VS_DEST_F_OVERLOAD: set when a new connection brings the total to the upper threshold
    /// (ip_vs_bind_dest), cleared when one leaves and the total falls below the lower threshold,
    /// or below 3/4 of the upper one when no lower is set (ip_vs_unbind_dest). Each scheduler
    /// decides what it means; most skip the server.
    /// </summary>
    public bool IsOverloaded => _overloaded;

    /// <summary>
    /// ipvsadm <c>-x</c>: connections (active + inactive) at which the server is overloaded; 0 = no
    /// limit. Removing the limit or raising it clears the overload, as __ip_vs_update_dest does.
    /// </summary>
    public int UpperThreshold
    {
        get => _upperThreshold;
        set
        {
            if (value == 0 || value > _upperThreshold)
            {
                _overloaded = false;
            }

            _upperThreshold = value;
        }
    }

    /// <summary>ipvsadm <c>-y</c>: connections below which an overloaded server takes new ones again.</summary>
    public int LowerThreshold
    {
        get => _lowerThreshold;
        set => _lowerThreshold = value;
    }

    public IpvsStats Stats { get; } = new();

    /// <summary>ActiveConn in ipvsadm: TCP connections in an active state (SYN_SENT, SYN_RECV, SYNACK, ESTABLISHED).</summary>
    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    /// <summary>InActConn in ipvsadm: every other connection, UDP included (UDP never becomes active).</summary>
    public int InactiveConnections => Volatile.Read(ref _inactiveConnections);

    /// <summary>PersistConn: persistence templates bound to this server.</summary>
    public int PersistentConnections => Volatile.Read(ref _persistentConnections);

    /// <summary>The kernel's ip_vs_dest_totalconns, what thresholds compare against.</summary>
    public int TotalConnections => ActiveConnections + InactiveConnections;

    /// <summary>
    /// ip_vs_dest_conn_overhead: an active connection costs 256 times an inactive one, the
    /// load that lc/wlc/sed/nq compare.
    /// </summary>
    public int ConnectionOverhead => (ActiveConnections << 8) + InactiveConnections;

    public override string ToString() => Address.IsIPv4 ? $"{Address}:{Port}" : $"[{Address}]:{Port}";

    // The methods below run on the data-plane threads only: with one worker the single
    // writer of the counts (plain stores), with several (lvsd --workers) atomic adds.

    /// <summary>ip_vs_bind_dest: a new connection counts as active or inactive by its flag; a template as persistent.</summary>
    internal void Bind(bool inactive, bool template, bool shared = false)
    {
        if (template)
        {
            Add(ref _persistentConnections, 1, shared);
        }
        else if (inactive)
        {
            Add(ref _inactiveConnections, 1, shared);
        }
        else
        {
            Add(ref _activeConnections, 1, shared);
        }

        var upper = _upperThreshold;
        if (upper != 0 && TotalConnections >= upper)
        {
            _overloaded = true;
        }
    }

    /// <summary>ip_vs_unbind_dest: the reverse of <see cref="Bind"/>, then the overload hysteresis.</summary>
    internal void Unbind(bool inactive, bool template, bool shared = false)
    {
        if (template)
        {
            Add(ref _persistentConnections, -1, shared);
        }
        else if (inactive)
        {
            Add(ref _inactiveConnections, -1, shared);
        }
        else
        {
            Add(ref _activeConnections, -1, shared);
        }

        // Without a lower threshold the kernel clears the overload at 3/4 of the upper one.
        var lower = _lowerThreshold;
        var upper = _upperThreshold;
        if (lower != 0)
        {
            if (TotalConnections < lower)
            {
                _overloaded = false;
            }
        }
        else if (upper != 0)
        {
            if (TotalConnections * 4 < upper * 3)
            {
                _overloaded = false;
            }
        }
        else
        {
            _overloaded = false;
        }
    }

    /// <summary>set_tcp_state: a connection entering or leaving an active state moves between the counts.</summary>
    internal void MoveConnection(bool toInactive, bool shared = false)
    {
        if (toInactive)
        {
            Add(ref _activeConnections, -1, shared);
            Add(ref _inactiveConnections, 1, shared);
        }
        else
        {
            Add(ref _inactiveConnections, -1, shared);
            Add(ref _activeConnections, 1, shared);
        }
    }

    private static void Add(ref int counter, int delta, bool shared)
    {
        if (shared)
        {
            Interlocked.Add(ref counter, delta);
        }
        else
        {
            Volatile.Write(ref counter, counter + delta);
        }
    }
}
