using System.Numerics;
using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// One FULLNAT local address (LIP, DPVS's <c>laddr</c>) and its ports: the source the director
/// gives a client's packets toward a real server, so that the real server answers the
/// director whatever its routes. A port is taken per connection and given back when the
/// connection expires; per protocol, a bitmap with a rotating cursor finds a free one without
/// allocating, and no two live connections of one protocol share a port of one LIP (so the
/// reply flow RIP:rport → LIP:lport is unique whatever the real server).
/// </summary>
/// <remarks>
/// <see cref="TryAllocate(byte, out ushort)"/> and <see cref="Release"/> run on the data-plane thread(s) only;
/// the counts may be read from any thread. The object is kept across rule changes while the
/// address stays configured, like <see cref="RealServer"/>.
/// </remarks>
public sealed class LocalAddressPool
{
    /// <summary>The ports handed out by default: all but the well-known ones (DPVS uses the same idea).</summary>
    public const ushort DefaultFirstPort = 1024;
    public const ushort DefaultLastPort = 65535;

    /// <summary>Most workers that allocate from one pool with their own cursor (lvsd --workers is capped to it).</summary>
    public const int MaxWorkers = 64;

    private readonly ulong[] _tcp = new ulong[1024];
    private readonly ulong[] _udp = new ulong[1024];

    // Per worker (lvsd --workers) and protocol, where its strided search resumes.
    private readonly int[] _stridedCursors = new int[MaxWorkers * 2];
    // The port to try first, per protocol.
    private int _tcpCursor;
    private int _udpCursor;
    private int _tcpUsed;
    private int _udpUsed;
    private long _exhausted;

    public LocalAddressPool(InetAddress address, ushort firstPort = DefaultFirstPort, ushort lastPort = DefaultLastPort)
    {
        ArgumentOutOfRangeException.ThrowIfZero(firstPort);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastPort, firstPort);
        Address = address;
        FirstPort = firstPort;
        LastPort = lastPort;

        // Ports outside the range are marked taken once, so the search never returns them.
        foreach (var map in (ReadOnlySpan<ulong[]>)[_tcp, _udp])
        {
            for (var port = 0; port < 65536; port++)
            {
                if (port < firstPort || port > lastPort)
                {
                    map[port >> 6] |= 1UL << (port & 63);
                }
            }
        }

        _tcpCursor = firstPort;
        _udpCursor = firstPort;
    }

    /// <summary>LIP.</summary>
    public InetAddress Address { get; }

    public ushort FirstPort { get; }

    public ushort LastPort { get; }

    /// <summary>Ports in the range, per protocol.</summary>
    public int Size => LastPort - FirstPort + 1;

    /// <summary>Times a connection found every port of this address held (DPVS lists them as conflicts).</summary>
    public long Exhausted => Volatile.Read(ref _exhausted);

    /// <summary>Ports of <paramref name="protocol"/> held by live connections.</summary>
    public int InUse(byte protocol) => protocol == IpProtocols.Tcp ? Volatile.Read(ref _tcpUsed) : Volatile.Read(ref _udpUsed);

    /// <summary>
    /// Takes a free port of <paramref name="protocol"/> (TCP or UDP); false when all are held.
    /// Ports are handed out in turn from where the last one was taken, so a port given back
    /// is taken again only after the whole range (the real server may still hold the old
    /// connection in TIME_WAIT).
    /// </summary>
    internal bool TryAllocate(byte protocol, out ushort port) => TryAllocate(protocol, 0, 1, out port);

    /// <summary>
    /// <see cref="TryAllocate(byte, out ushort)"/> for worker <paramref name="worker"/> of
    /// <paramref name="workers"/> (lvsd --workers): only ports with
    /// <c>port % workers == worker</c>, so that the reply RIP:rport → LIP:lport is steered back
    /// to the worker that owns the connection (DPVS partitions its local ports per lcore the
    /// same way). Several workers share the bitmap: their updates are atomic.
    /// </summary>
    internal bool TryAllocate(byte protocol, int worker, int workers, out ushort port)
    {
        if (workers > 1)
        {
            return TryAllocateStrided(protocol, worker, workers, out port);
        }

        port = 0;
        var isTcp = protocol == IpProtocols.Tcp;
        ref var used = ref isTcp ? ref _tcpUsed : ref _udpUsed;
        if (used >= Size)
        {
            Volatile.Write(ref _exhausted, _exhausted + 1);
            return false;
        }

        var map = isTcp ? _tcp : _udp;
        ref var cursor = ref isTcp ? ref _tcpCursor : ref _udpCursor;

        // Some word holds a free bit (used < Size): one lap, plus the start word's low bits.
        var word = cursor >> 6;
        var free = ~map[word] & (ulong.MaxValue << (cursor & 63));
        for (var n = 0; free == 0 && n <= map.Length; n++)
        {
            word = (word + 1) & (map.Length - 1);
            free = ~map[word];
        }

        if (free == 0)
        {
            return false;
        }

        var bit = BitOperations.TrailingZeroCount(free);
        map[word] |= 1UL << bit;
        port = (ushort)(word << 6 | bit);
        cursor = port == LastPort ? FirstPort : port + 1;
        Volatile.Write(ref used, used + 1);
        return true;
    }

    /// <summary>
    /// Walks the worker's residue class from its own cursor: one test per port, so the first
    /// free one is found at once while the pool is far from full; bounded by the class size.
    /// </summary>
    private bool TryAllocateStrided(byte protocol, int worker, int workers, out ushort port)
    {
        port = 0;
        var isTcp = protocol == IpProtocols.Tcp;
        var map = isTcp ? _tcp : _udp;
        ref var cursor = ref _stridedCursors[(Math.Min(worker, MaxWorkers - 1) * 2) + (isTcp ? 0 : 1)];
        var first = FirstPort + ((worker - (FirstPort % workers) + workers) % workers);
        if (first > LastPort)
        {
            Interlocked.Increment(ref _exhausted);
            return false;
        }

        var classSize = ((LastPort - first) / workers) + 1;
        var candidate = cursor < first || cursor > LastPort || cursor % workers != worker ? first : cursor;
        for (var n = 0; n < classSize; n++)
        {
            var mask = 1UL << (candidate & 63);
            ref var word = ref map[candidate >> 6];
            if ((Volatile.Read(ref word) & mask) == 0 && (Interlocked.Or(ref word, mask) & mask) == 0)
            {
                port = (ushort)candidate;
                var next = candidate + workers;
                cursor = next > LastPort ? first : next;
                Interlocked.Increment(ref isTcp ? ref _tcpUsed : ref _udpUsed);
                return true;
            }

            candidate += workers;
            if (candidate > LastPort)
            {
                candidate = first;
            }
        }

        Interlocked.Increment(ref _exhausted);
        return false;
    }

    /// <summary>
    /// Takes one given port (a connection restored after a restart keeps its port); false
    /// when it is outside the range or held already.
    /// </summary>
    internal bool TryReserve(byte protocol, ushort port, bool shared = false)
    {
        if (port < FirstPort || port > LastPort)
        {
            return false;
        }

        var isTcp = protocol == IpProtocols.Tcp;
        var map = isTcp ? _tcp : _udp;
        var mask = 1UL << (port & 63);
        ref var used = ref isTcp ? ref _tcpUsed : ref _udpUsed;
        if (shared)
        {
            if ((Interlocked.Or(ref map[port >> 6], mask) & mask) != 0)
            {
                return false;
            }

            Interlocked.Increment(ref used);
            return true;
        }

        if ((map[port >> 6] & mask) != 0)
        {
            return false;
        }

        map[port >> 6] |= mask;
        Volatile.Write(ref used, used + 1);
        return true;
    }

    /// <summary>Gives back a port taken by <see cref="TryAllocate"/>; a port not held is ignored.</summary>
    internal void Release(byte protocol, ushort port, bool shared = false)
    {
        if (port < FirstPort || port > LastPort)
        {
            return;
        }

        var isTcp = protocol == IpProtocols.Tcp;
        var map = isTcp ? _tcp : _udp;
        var mask = 1UL << (port & 63);
        ref var used = ref isTcp ? ref _tcpUsed : ref _udpUsed;
        if (shared)
        {
            if ((Interlocked.And(ref map[port >> 6], ~mask) & mask) != 0)
            {
                Interlocked.Decrement(ref used);
            }

            return;
        }

        if ((map[port >> 6] & mask) == 0)
        {
            return;
        }

        map[port >> 6] &= ~mask;
        Volatile.Write(ref used, used - 1);
    }

    public override string ToString() => Address.ToString();
}
