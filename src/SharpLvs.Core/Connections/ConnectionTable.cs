using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Connections;

/// <summary>
/// The IPVS connection table (ip_vs_conn.c): every connection the director forwards, keyed
/// by its inbound flow (CIP:CPORT → VIP:VPORT), each bound once to its real server and
/// transmitter. Built for millions of entries without GC pressure: one array of struct
/// entries, an index free list, a power-of-two bucket array with index chains, and a timer
/// wheel (ConnectionTable.Wheel.cs) so expiry never scans. Capacity is fixed at construction;
/// memory is 128 bytes per entry (<see cref="ConnectionEntry"/>), reserved up front and made
/// resident as connections first use it, plus two arrays of four-byte buckets, one bucket per
/// 0.67 to 1.33 entries, taken at start.
/// </summary>
/// <remarks>
/// Not thread-safe: owned by one data-plane worker and used only on its thread, including
/// <see cref="Snapshot"/> and <see cref="Expire"/> (the control plane asks the worker, see
/// DataPlaneWorker.InvokeAsync). <see cref="Count"/> may be read from any thread.
/// </remarks>
public sealed partial class ConnectionTable
{
    private const int Empty = -1;

    private readonly ConnectionEntry[] _entries;
    private readonly int[] _buckets;
    private readonly int[] _replyBuckets;
    private readonly int _bucketMask;
    private int _freeHead;

    // Slots at or above it were never used: handed out in order before the free list grows,
    // so that a large table's pages stay untouched (not resident) until connections need them.
    private int _fresh;
    private int _count;

    public ConnectionTable(int capacity = 1 << 20, ConnectionTimeouts? timeouts = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 28);
        Timeouts = timeouts ?? new ConnectionTimeouts();
        _entries = new ConnectionEntry[capacity];
        _freeHead = Empty;

        // A power of two at or above 3/4 of the capacity: a full table has 0.67 to 1.33
        // entries per bucket (1.19 at 10 M), at four bytes per bucket and index.
        var bucketCount = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity / 4 * 3));
        _buckets = new int[bucketCount];
        _bucketMask = bucketCount - 1;
        _replyBuckets = new int[bucketCount];
        Array.Fill(_buckets, Empty);
        Array.Fill(_replyBuckets, Empty);
        _wheel = new int[WheelSlots];
        Array.Fill(_wheel, Empty);
    }

    public int Capacity => _entries.Length;

    /// <summary>Live connections; readable from any thread.</summary>
    public int Count => Volatile.Read(ref _count);

    public ConnectionTimeouts Timeouts { get; }

    /// <summary>
    /// Set when this is one of several workers' tables (lvsd --workers): the real servers'
    /// counts and the FULLNAT port pools it updates are shared with the other workers, so
    /// their updates are atomic. The table itself stays one thread's.
    /// </summary>
    public bool Shared { get; set; }

    internal ref ConnectionEntry this[int index] => ref _entries[index];

    /// <summary>ip_vs_conn_in_get: the connection of an inbound flow, or -1. Templates are never returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Lookup(in FlowKey key) => Find(key, ConnectionFlags.None);

    /// <summary>ip_vs_ct_in_get: the persistence template with that key, or -1.</summary>
    internal int LookupTemplate(in FlowKey key) => Find(key, ConnectionFlags.Template);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(in FlowKey key, ConnectionFlags template)
    {
        var hash = key.GetHashCode();
        var tag = (ushort)(hash >> 16);
        var entries = _entries;
        for (var i = _buckets[hash & _bucketMask]; i != Empty; i = entries[i].Next)
        {
            ref var entry = ref entries[i];
            if (entry.HashTag == tag && (entry.Flags & ConnectionFlags.Template) == template && entry.KeyEquals(key))
            {
                return i;
            }
        }

        return Empty;
    }

    /// <summary>
    /// ip_vs_conn_out_get: the NAT/FULLNAT connection whose reply flow (RIP:RPORT → CIP:CPORT
    /// or LIP:LPORT) is <paramref name="key"/>, or -1. Both directions reach the same entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int LookupReply(in FlowKey key)
    {
        var entries = _entries;
        for (var i = _replyBuckets[key.GetHashCode() & _bucketMask]; i != Empty; i = entries[i].ReplyNext)
        {
            ref var entry = ref entries[i];
            if (entry.ReplyKeyEquals(key))
            {
                return i;
            }
        }

        return Empty;
    }

    /// <summary>
    /// Files a new NAT/FULLNAT connection under its reply flow as well, so replies find it
    /// (<see cref="LookupReply"/>); <paramref name="pool"/> is the FULLNAT local address whose
    /// port the reply flow holds, given back when the connection goes.
    /// </summary>
    internal void SetReplyKey(int index, in FlowKey replyKey, LocalAddressPool? pool)
    {
        ref var entry = ref _entries[index];
        Debug.Assert(replyKey.Protocol == entry.Key.Protocol, "a reply flow has its connection's protocol");
        ref var bucket = ref _replyBuckets[replyKey.GetHashCode() & _bucketMask];
        entry.SetReplyFlow(replyKey);
        entry.LocalPool = pool;
        entry.ReplyNext = bucket;
        entry.Flags |= ConnectionFlags.HasReplyKey;
        bucket = index;
    }

    /// <summary>
    /// ip_vs_conn_new + ip_vs_bind_dest + ip_vs_bind_xmit: a new connection in state NONE,
    /// counted inactive (the real server's conn_flags carry IP_VS_CONN_F_INACTIVE until the
    /// first state transition says otherwise) and, for every method but NAT (and FULLNAT,
    /// whose replies pass the director too), marked NOOUTPUT. Returns the entry's index, or -1 when the table is full.
    /// </summary>
    /// <param name="control">The persistence template that scheduled it (ip_vs_control_add), or -1.</param>
    internal int Add(in FlowKey key, RealServer server, IForwarder forwarder, IpvsStats serviceStats, long nowMs, int control = Empty)
    {
        var index = Take(key);
        if (index == Empty)
        {
            return Empty;
        }

        ref var entry = ref _entries[index];
        entry.Server = server;
        if (control >= 0)
        {
            entry.Control = control + 1;
            _entries[control].Control++;
        }

        entry.ServiceStats = serviceStats;
        entry.Method = forwarder.Method;
        entry.State = TcpState.None;
        entry.Flags = ConnectionFlags.InUse | ConnectionFlags.Inactive;
        if (forwarder.Method is not (ForwardingMethod.Masquerade or ForwardingMethod.FullNat))
        {
            entry.Flags |= ConnectionFlags.NoOutput;
        }

        server.Bind(inactive: true, template: false, Shared);
        Volatile.Write(ref _count, _count + 1);

        // ip_vs_conn_new arms 3 s until the first transition sets the state's own timeout.
        StartTimer(index, nowMs, nowMs + 3000);
        return index;
    }

    /// <summary>
    /// set_tcp_state: moves a TCP connection by the packet's flags and direction, keeps the
    /// real server's active/inactive counts in step, and restarts its timer with the new
    /// state's timeout.
    /// </summary>
    internal void OnTcpPacket(int index, TcpDirection direction, byte tcpFlags, long nowMs)
    {
        ref var entry = ref _entries[index];
        if ((entry.Flags & ConnectionFlags.NoOutput) != 0)
        {
            if (direction == TcpDirection.Output)
            {
                entry.Flags &= ~ConnectionFlags.NoOutput;
            }
            else
            {
                direction = TcpDirection.InputOnly;
            }
        }

        var next = TcpStateMachine.Next(direction, tcpFlags, entry.State);
        if (next != entry.State && entry.Server is { } server)
        {
            var inactive = (entry.Flags & ConnectionFlags.Inactive) != 0;
            var active = TcpStateMachine.IsActive(next);
            if (!inactive && !active)
            {
                server.MoveConnection(toInactive: true, Shared);
                entry.Flags |= ConnectionFlags.Inactive;
            }
            else if (inactive && active)
            {
                server.MoveConnection(toInactive: false, Shared);
                entry.Flags &= ~ConnectionFlags.Inactive;
            }
        }

        entry.State = next;
        RestartTimer(index, nowMs + Timeouts.TcpMilliseconds(next));
    }

    /// <summary>udp_state_transition: one state, its timeout restarted by every packet; UDP stays inactive.</summary>
    internal void OnUdpPacket(int index, long nowMs) => RestartTimer(index, nowMs + Timeouts.UdpMilliseconds);

    /// <summary>
    /// ip_vs_conn_expire_now + the expiry itself: unbinds the real server, releases the
    /// controlling template (ip_vs_control_del) and frees the slot. A template that still
    /// controls connections stays (ip_vs_conn_expire's "do I control anybody?").
    /// </summary>
    internal void Remove(int index)
    {
        ref var entry = ref _entries[index];
        var template = (entry.Flags & ConnectionFlags.Template) != 0;
        if ((entry.Flags & ConnectionFlags.InUse) == 0 || (template && entry.Control > 0))
        {
            return;
        }

        if ((entry.Flags & ConnectionFlags.Unhashed) == 0)
        {
            UnlinkHash(index);
        }

        if ((entry.Flags & ConnectionFlags.HasReplyKey) != 0)
        {
            var reply = entry.ReplyKey;
            UnlinkReplyHash(index, reply);
            entry.LocalPool?.Release(reply.Protocol, reply.DestinationPort, Shared);
        }

        UnlinkTimer(index);
        WithdrawOffload(ref entry);
        entry.Server?.Unbind((entry.Flags & ConnectionFlags.Inactive) != 0, template, Shared);
        if (!template && entry.Control != 0)
        {
            _entries[entry.Control - 1].Control--;
        }

        entry = default;
        entry.ReplyNext = Empty;
        entry.WheelSlot = NotFiled;
        entry.Next = _freeHead;
        _freeHead = index;
        Volatile.Write(ref _count, _count - 1);
    }

    /// <summary>Slot for a new entry, hashed under <paramref name="key"/>; -1 when the table is full.</summary>
    private int Take(in FlowKey key)
    {
        var index = _freeHead;
        if (index != Empty)
        {
            _freeHead = _entries[index].Next;
        }
        else if (_fresh < _entries.Length)
        {
            index = _fresh++;
            _entries[index].ReplyNext = Empty;
            _entries[index].WheelSlot = NotFiled;
        }
        else
        {
            return Empty;
        }

        ref var entry = ref _entries[index];
        var hash = key.GetHashCode();
        ref var bucket = ref _buckets[hash & _bucketMask];
        entry.Key = key;
        entry.HashTag = (ushort)(hash >> 16);
        entry.Next = bucket;
        bucket = index;
        return index;
    }

    /// <summary>
    /// Copies every live connection into <paramref name="into"/> for <c>ipvsadm -Lc</c>. Call on
    /// the owning worker's thread (DataPlaneWorker.InvokeAsync); it walks the whole array, so it
    /// belongs to the control path, not the packet path.
    /// </summary>
    public void Snapshot(List<ConnectionInfo> into, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(into);
        var entries = _entries;
        for (var i = 0; i < _fresh; i++)
        {
            ref var entry = ref entries[i];
            if ((entry.Flags & ConnectionFlags.InUse) == 0)
            {
                continue;
            }

            var server = entry.Server;
            into.Add(new ConnectionInfo(
                entry.Key.Protocol,
                entry.Key.Source,
                entry.Key.SourcePort,
                entry.Key.Destination,
                entry.Key.DestinationPort,
                server?.Address ?? default,
                entry.DestinationPort,
                entry.State,
                entry.Method,
                Math.Max(0, ListedExpiry(i) - nowMs),
                (entry.Flags & ConnectionFlags.Template) != 0));
        }
    }

    private void UnlinkHash(int index)
    {
        ref var head = ref _buckets[_entries[index].Key.GetHashCode() & _bucketMask];
        if (head == index)
        {
            head = _entries[index].Next;
            return;
        }

        for (var i = head; i != Empty; i = _entries[i].Next)
        {
            if (_entries[i].Next == index)
            {
                _entries[i].Next = _entries[index].Next;
                return;
            }
        }
    }

    private void UnlinkReplyHash(int index, in FlowKey reply)
    {
        ref var head = ref _replyBuckets[reply.GetHashCode() & _bucketMask];
        if (head == index)
        {
            head = _entries[index].ReplyNext;
            return;
        }

        for (var i = head; i != Empty; i = _entries[i].ReplyNext)
        {
            if (_entries[i].ReplyNext == index)
            {
                _entries[i].ReplyNext = _entries[index].ReplyNext;
                return;
            }
        }
    }
}
