using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// lvsd's side of the XDP fast path (<see cref="FastPathProgram"/>): the flows map (LRU hash,
/// offered inbound flows → destination slot and last-seen time), the destinations array (one
/// slot per real server that has offered flows: alive, egress and MACs) and the per-CPU
/// counters by slot. A real server's next-hop change or deletion is one write of its slot,
/// not a walk over its flows. Used on the data-plane worker's thread only (IFlowOffload).
/// </summary>
public sealed class XdpFlowOffload : IFlowOffload, IDisposable
{
    /// <summary>Destination slots (real servers with offered flows at once).</summary>
    public const int MaxDestinations = 4096;

    /// <summary>How often the per-CPU counters are added to ipvsadm's (the rate estimator samples every 2 s).</summary>
    public const long FoldIntervalMs = 1000;

    private readonly BpfMap _flows;
    private readonly BpfMap _destinations;
    private readonly BpfMap _counters;
    private readonly Slot[] _slots = new Slot[MaxDestinations];
    private readonly Dictionary<RealServer, int> _slotOf = new(MaxDestinations, ReferenceEqualityComparer.Instance);
    private readonly Stack<int> _free = new(MaxDestinations);
    private readonly byte[] _counterValues;
    private readonly HashSet<int> _egress = [];

    // The slots in use, packed, so that Poll (every turn of the worker) visits only those.
    private readonly int[] _used = new int[MaxDestinations];
    private int _usedCount;
    private long _nextFoldMs = long.MinValue;
    private long _offered;
    private long _refused;
    private long _withdrawn;

    private XdpFlowOffload(BpfMap flows, BpfMap destinations, BpfMap counters, int cpus)
    {
        _flows = flows;
        _destinations = destinations;
        _counters = counters;
        _counterValues = new byte[counters.ValueBytes];
        for (var i = MaxDestinations - 1; i >= 0; i--)
        {
            _slots[i] = new Slot();
            _free.Push(i);
        }

        Cpus = cpus;
    }

    public int Cpus { get; }

    public int FlowCapacity { get; private init; }

    /// <summary>Destination slots in use (real servers with offered flows, or deleted ones not yet folded).</summary>
    internal int DestinationsInUse => _usedCount;

    internal FastPathMaps Maps => new(_flows.Fd, _destinations.Fd, _counters.Fd);

    /// <summary>Flows handed to the program so far, refused (map error), withdrawn.</summary>
    public (long Offered, long Refused, long Withdrawn) Totals =>
        (Volatile.Read(ref _offered), Volatile.Read(ref _refused), Volatile.Read(ref _withdrawn));

    /// <summary>Creates the maps; throws <see cref="LinuxException"/> where BPF refuses.</summary>
    public static XdpFlowOffload Create(int flows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(flows, 1);
        var cpus = PossibleCpus.Count();
        BpfMap? flowMap = null;
        BpfMap? destinations = null;
        try
        {
            flowMap = BpfMap.Create(Interop.BPF_MAP_TYPE_LRU_HASH, FastPathLayout.FlowKeySize, FastPathLayout.FlowValueSize, flows, 0, "lvs_flows");
            destinations = BpfMap.Create(Interop.BPF_MAP_TYPE_ARRAY, 4, FastPathLayout.DestSize, MaxDestinations, 0, "lvs_dests");
            var counters = BpfMap.Create(Interop.BPF_MAP_TYPE_PERCPU_ARRAY, 4, FastPathLayout.CounterSize, MaxDestinations, 0, "lvs_dest_stats", cpus);
            return new XdpFlowOffload(flowMap, destinations, counters, cpus) { FlowCapacity = flows };
        }
        catch
        {
            flowMap?.Dispose();
            destinations?.Dispose();
            throw;
        }
    }

    /// <summary>An interface the program runs on: next hops out of it are served (XDP_TX or bpf_redirect); others stay on the slow path.</summary>
    internal void AllowEgress(int ifIndex) => _egress.Add(ifIndex);

    public bool Offer(in FlowKey flow, RealServer server, IpvsStats serviceStats)
    {
        ArgumentNullException.ThrowIfNull(server);

        // Every slot taken: not offered, and asked again at the connection's next slow-path
        // packet, which costs no system call.
        var slot = SlotFor(server, serviceStats);
        if (slot < 0)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[FastPathLayout.FlowKeySize];
        Span<byte> value = stackalloc byte[FastPathLayout.FlowValueSize];
        FastPathLayout.WriteFlowKey(key, flow);
        FastPathLayout.WriteFlowValue(value, slot);
        // A refused insert (the kernel out of memory) is still taken as offered: the table
        // marks the connection and never offers it again, so a failing map costs one system
        // call per connection, not one per packet; its packets stay on the slow path, as an
        // evicted flow's do. Counted in the slot all the same, so that Withdraw balances it.
        _slots[slot].Flows++;
        if (_flows.Update(key, value) != 0)
        {
            Volatile.Write(ref _refused, _refused + 1);
            return true;
        }

        Volatile.Write(ref _offered, _offered + 1);
        return true;
    }

    public void Withdraw(in FlowKey flow, RealServer server)
    {
        Span<byte> key = stackalloc byte[FastPathLayout.FlowKeySize];
        FastPathLayout.WriteFlowKey(key, flow);

        // ENOENT: the LRU evicted it already.
        _flows.Delete(key);
        if (server is not null && _slotOf.TryGetValue(server, out var slot))
        {
            _slots[slot].Flows--;
        }

        Volatile.Write(ref _withdrawn, _withdrawn + 1);
    }

    public bool TryGetLastSeen(in FlowKey flow, out long lastSeenMs)
    {
        Span<byte> key = stackalloc byte[FastPathLayout.FlowKeySize];
        Span<byte> value = stackalloc byte[FastPathLayout.FlowValueSize];
        FastPathLayout.WriteFlowKey(key, flow);
        lastSeenMs = 0;
        if (!_flows.TryLookup(key, value))
        {
            return false;
        }

        var ns = FastPathLayout.ReadLastSeenNs(value);
        lastSeenMs = ns / 1_000_000;
        return ns != 0;
    }

    public void Poll(long nowMs, IpvsStats totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var fold = nowMs >= _nextFoldMs;
        if (fold)
        {
            _nextFoldMs = nowMs + FoldIntervalMs;
        }

        // Backwards: a freed slot is swapped with the last one, already visited.
        for (var n = _usedCount - 1; n >= 0; n--)
        {
            var i = _used[n];
            var slot = _slots[i];
            var server = slot.Server!;
            if (slot.WrittenHop != server.NextHop || slot.WrittenAlive != server.Available)
            {
                WriteDestination(i, slot, server);
            }

            if (!fold)
            {
                continue;
            }

            Fold(i, slot, totals);

            // A deleted server whose last flow is gone gives its slot back (counters folded).
            if (!server.Available && slot.Flows <= 0)
            {
                _slotOf.Remove(server);
                slot.Server = null;
                slot.ServiceStats = null;
                slot.WrittenHop = null;
                _free.Push(i);
                _used[n] = _used[--_usedCount];
            }
        }
    }

    private int SlotFor(RealServer server, IpvsStats serviceStats)
    {
        if (_slotOf.TryGetValue(server, out var index))
        {
            return index;
        }

        if (!_free.TryPop(out index))
        {
            return -1;
        }

        var slot = _slots[index];
        _counterValues.AsSpan().Clear();
        Span<byte> key = stackalloc byte[4];
        BitConverter.TryWriteBytes(key, index);
        if (_counters.Update(key, _counterValues) != 0)
        {
            _free.Push(index);
            return -1;
        }

        slot.Server = server;
        slot.ServiceStats = serviceStats;
        slot.Flows = 0;
        slot.Packets = 0;
        slot.Bytes = 0;
        _slotOf[server] = index;
        _used[_usedCount++] = index;
        WriteDestination(index, slot, server);
        return index;
    }

    private void WriteDestination(int index, Slot slot, RealServer server)
    {
        var hop = server.NextHop;
        var alive = server.Available;
        Span<byte> key = stackalloc byte[4];
        Span<byte> value = stackalloc byte[FastPathLayout.DestSize];
        BitConverter.TryWriteBytes(key, index);
        if (hop is null || !_egress.Contains(hop.IfIndex))
        {
            FastPathLayout.WriteDestination(value, false, 0, default, default, 0);
        }
        else
        {
            FastPathLayout.WriteDestination(value, alive, hop.IfIndex, hop.Destination, hop.Source, hop.Mtu);
        }

        // An array map entry always exists: the update cannot fail for a valid slot.
        if (_destinations.Update(key, value) == 0)
        {
            slot.WrittenHop = hop;
            slot.WrittenAlive = alive;
        }
    }

    private void Fold(int index, Slot slot, IpvsStats totals)
    {
        Span<byte> key = stackalloc byte[4];
        BitConverter.TryWriteBytes(key, index);
        if (!_counters.TryLookup(key, _counterValues))
        {
            return;
        }

        long packets = 0;
        long bytes = 0;
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            var at = cpu * FastPathLayout.CounterSize;
            packets += BitConverter.ToInt64(_counterValues, at + FastPathLayout.CounterPacketsOffset);
            bytes += BitConverter.ToInt64(_counterValues, at + FastPathLayout.CounterBytesOffset);
        }

        var newPackets = packets - slot.Packets;
        var newBytes = bytes - slot.Bytes;
        if (newPackets <= 0)
        {
            return;
        }

        slot.Packets = packets;
        slot.Bytes = bytes;
        slot.Server!.Stats.CountInBulk(newPackets, newBytes);
        slot.ServiceStats!.CountInBulk(newPackets, newBytes);
        totals.CountInBulk(newPackets, newBytes);
    }

    public void Dispose()
    {
        _flows.Dispose();
        _destinations.Dispose();
        _counters.Dispose();
    }

    private sealed class Slot
    {
        public RealServer? Server;
        public IpvsStats? ServiceStats;
        public NextHop? WrittenHop;
        public bool WrittenAlive;
        public int Flows;
        public long Packets;
        public long Bytes;
    }
}
