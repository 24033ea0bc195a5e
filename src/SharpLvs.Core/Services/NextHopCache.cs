using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// Next hops toward arbitrary destinations (clients, for the reply half of NAT and FULLNAT),
/// resolved by the Linux edge from the host's routes and neighbours (the kernel routes each
/// reply: ip_vs_out → ip_forward → ip_route_output). The data plane only reads a frozen
/// snapshot and, on a miss, posts the address into a small lock-free ring; the resolver
/// thread drains the ring, resolves, and publishes a new snapshot. Most deployments reach
/// every client through one default gateway, so the snapshot holds one entry per client
/// address seen lately; it is bounded by <see cref="Capacity"/> and rebuilt from demand
/// when it overflows.
/// </summary>
/// <remarks>
/// One consumer (the resolver thread) and one producer per request lane: the data-plane
/// worker with that index (lvsd --workers gives each worker its own lane, so that posting
/// stays a plain single-producer ring). The snapshot is shared by all.
/// </remarks>
public sealed class NextHopCache
{
    private const int RingSize = 1024;
    private const int RingMask = RingSize - 1;

    private readonly Lane[] _lanes;
    private volatile FrozenDictionary<InetAddress, NextHop> _hops = FrozenDictionary<InetAddress, NextHop>.Empty;
    private int _wakePending;

    public NextHopCache(int capacity = 65536, int lanes = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        Capacity = capacity;
        _lanes = new Lane[lanes];
        for (var i = 0; i < lanes; i++)
        {
            _lanes[i] = new Lane();
        }
    }

    /// <summary>Request lanes, one per producing worker.</summary>
    public int Lanes => _lanes.Length;

    /// <summary>Most destinations kept in one snapshot.</summary>
    public int Capacity { get; }

    /// <summary>Called (on the data-plane thread) when a request is posted while none is pending; the edge wakes its resolver.</summary>
    public Action? RequestPosted { get; set; }

    /// <summary>The destinations in the current snapshot.</summary>
    public IReadOnlyCollection<InetAddress> Destinations => _hops.Keys;

    /// <summary>Data-plane thread: the next hop toward <paramref name="destination"/>, if resolved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(InetAddress destination, out NextHop hop) => _hops.TryGetValue(destination, out hop!);

    /// <summary>
    /// Data-plane thread: asks for <paramref name="destination"/> to be resolved. Never blocks
    /// or allocates; a full ring drops the request (the next miss asks again).
    /// </summary>
    public void Request(InetAddress destination) => Request(destination, 0);

    /// <summary>Data-plane worker <paramref name="lane"/>'s thread: <see cref="Request(InetAddress)"/> on its own lane.</summary>
    public void Request(InetAddress destination, int lane)
    {
        var ring = _lanes[(uint)lane < (uint)_lanes.Length ? lane : 0];
        var head = Volatile.Read(ref ring.Head);
        if (head - Volatile.Read(ref ring.Tail) >= RingSize)
        {
            return;
        }

        ring.Items[head & RingMask] = destination;
        Volatile.Write(ref ring.Head, head + 1);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            RequestPosted?.Invoke();
        }
    }

    /// <summary>Resolver thread: takes every pending request.</summary>
    public void DrainRequests(ICollection<InetAddress> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        Volatile.Write(ref _wakePending, 0);
        foreach (var ring in _lanes)
        {
            var tail = Volatile.Read(ref ring.Tail);
            var head = Volatile.Read(ref ring.Head);
            for (; tail < head; tail++)
            {
                into.Add(ring.Items[tail & RingMask]);
            }

            Volatile.Write(ref ring.Tail, tail);
        }
    }

    /// <summary>Resolver thread: publishes a new snapshot (at most <see cref="Capacity"/> entries are kept).</summary>
    public void Publish(IReadOnlyDictionary<InetAddress, NextHop> hops)
    {
        ArgumentNullException.ThrowIfNull(hops);
        _hops = hops.Count <= Capacity
            ? hops.ToFrozenDictionary()
            : hops.Take(Capacity).ToFrozenDictionary();
    }

    /// <summary>One producer's ring of requests.</summary>
    private sealed class Lane
    {
        public readonly InetAddress[] Items = new InetAddress[RingSize];
        public long Head;
        public long Tail;
    }
}
