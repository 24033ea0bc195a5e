using System.Numerics;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Fragments;

/// <summary>What a datagram's later fragments do, decided by its first fragment.</summary>
internal enum FragmentRoute : byte
{
    /// <summary>Slot free.</summary>
    None = 0,

    /// <summary>Reserved by a first fragment still being processed.</summary>
    Pending,

    /// <summary>Client → VIP: through the first fragment's forwarder to its real server.</summary>
    Inbound,

    /// <summary>A NAT/FULLNAT reply: addresses rewritten, routed to the client.</summary>
    Reply,

    /// <summary>The first fragment went to the host kernel; so do the others.</summary>
    Host,
}

/// <summary>
/// The key of one IP datagram's fragments, as ip4_frag_match / ip6frag_key compare them:
/// source, destination, protocol and identification (IPv4's 16 bits, the IPv6 fragment
/// header's 32). IPv6 has no protocol in the key (RFC 8200 §4.5); it is kept 0 there.
/// </summary>
internal readonly record struct FragmentKey(InetAddress Source, InetAddress Destination, byte Protocol, uint Identification);

/// <summary>One remembered datagram. Flow and the rewrite addresses are those of the first fragment.</summary>
internal struct FragmentEntry
{
    public FragmentKey Key;

    /// <summary>The key's timer runs out here; set once, when the first fragment seen creates it (inet_frag_find).</summary>
    public long ExpiresMs;

    /// <summary>Fragmentable bytes forwarded so far, the first fragment's included.</summary>
    public int Received;

    /// <summary>The datagram's fragmentable length, known once the last fragment (MF clear) is seen; 0 before.</summary>
    public int Total;

    public FragmentRoute Route;

    /// <summary>The first fragment's transport header length: a later fragment starting inside it is refused (RFC 1858).</summary>
    public ushort TransportHeaderLength;

    /// <summary>The datagram's TCP/UDP flow as it arrived (the tunnel forwarder hashes it for GUE's source port).</summary>
    public FlowKey Flow;

    /// <summary>NAT/FULLNAT/reply: the addresses every fragment leaves with (unchanged for DR and TUN).</summary>
    public InetAddress NewSource;

    public InetAddress NewDestination;

    public RealServer? Server;
    public IForwarder? Forwarder;
    public IpvsStats? ServiceStats;
}

/// <summary>
/// A fixed-size, preallocated cache of the decisions taken for fragmented datagrams: the
/// first fragment (the only one with ports) is scheduled as usual and its slot remembers
/// where the datagram goes; later fragments find the slot by <see cref="FragmentKey"/>. The
/// kernel reassembles instead (ip_local_deliver → ip_defrag before IPVS sees IPv4 at
/// LOCAL_IN; nf_defrag_ipv6, enabled by ip_vs_new_dest, for IPv6); docs/fragments.md says
/// why lvsd forwards fragments as they are.
/// </summary>
/// <remarks>
/// Set-associative: a key hashes to one bucket of <see cref="Ways"/> slots, so every lookup
/// and insert touches at most four entries and never allocates. A slot is freed when every
/// byte of its datagram has been forwarded, or lazily once its timer ran out. Owned by one
/// <see cref="Pipeline.PacketProcessor"/>: single writer, no locks.
/// </remarks>
internal sealed class FragmentCache
{
    public const int Ways = 4;

    /// <summary>
    /// 4096 datagrams in flight at once (about 0.6 MB): each slot is freed as soon as its
    /// datagram is complete, so this bounds concurrent fragmented datagrams, not their rate.
    /// </summary>
    public const int DefaultCapacity = 4096;

    /// <summary>
    /// net.ipv4.ipfrag_time's default (30 s): a datagram the real server's kernel would still
    /// reassemble is never cut short here. Only datagrams that lost a fragment hold a slot this long.
    /// </summary>
    public const long DefaultTimeoutMs = 30_000;

    private readonly FragmentEntry[] _entries;
    private readonly int _bucketMask;

    public FragmentCache(int capacity = DefaultCapacity, long timeoutMs = DefaultTimeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, Ways);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeoutMs);
        var buckets = (int)BitOperations.RoundUpToPowerOf2((uint)((capacity + Ways - 1) / Ways));
        _entries = new FragmentEntry[buckets * Ways];
        _bucketMask = buckets - 1;
        TimeoutMs = timeoutMs;
    }

    public int Capacity => _entries.Length;

    public long TimeoutMs { get; }

    public ref FragmentEntry this[int slot] => ref _entries[slot];

    /// <summary>
    /// The live slot for <paramref name="key"/>, or -1. A slot whose timer ran out is freed on
    /// the way and reported through <paramref name="expired"/> (ip_expire's drop).
    /// </summary>
    public int Find(in FragmentKey key, long nowMs, out bool expired)
    {
        expired = false;
        var first = Bucket(key);
        for (var slot = first; slot < first + Ways; slot++)
        {
            ref var entry = ref _entries[slot];
            if (entry.Route == FragmentRoute.None || entry.Key != key)
            {
                continue;
            }

            if (nowMs >= entry.ExpiresMs)
            {
                entry = default;
                expired = true;
                return -1;
            }

            return slot;
        }

        return -1;
    }

    /// <summary>
    /// A slot for a first fragment: the live one of the same key (a duplicate, or a new
    /// datagram reusing the identification, which starts over), else a free or expired one
    /// of the bucket; -1 when all four hold live datagrams (the kernel refuses new queues
    /// above ipfrag_high_thresh the same way).
    /// </summary>
    public int Reserve(in FragmentKey key, long nowMs)
    {
        var first = Bucket(key);
        var free = -1;
        for (var slot = first; slot < first + Ways; slot++)
        {
            ref var entry = ref _entries[slot];
            var live = entry.Route != FragmentRoute.None && nowMs < entry.ExpiresMs;
            if (live && entry.Key == key)
            {
                free = slot;
                break;
            }

            if (!live && free < 0)
            {
                free = slot;
            }
        }

        if (free >= 0)
        {
            ref var entry = ref _entries[free];
            entry = default;
            entry.Key = key;
            entry.Route = FragmentRoute.Pending;
            entry.ExpiresMs = nowMs + TimeoutMs;
        }

        return free;
    }

    /// <summary>
    /// Counts a forwarded fragment's bytes (<paramref name="offset"/> and
    /// <paramref name="length"/> in the datagram's fragmentable part) and frees the slot once
    /// the datagram is complete, as ip_frag_reasm ends the queue: a later duplicate then finds
    /// nothing, as it finds no queue in the kernel.
    /// </summary>
    public void Account(int slot, int offset, int length, bool moreFragments)
    {
        ref var entry = ref _entries[slot];
        entry.Received += length;
        if (!moreFragments)
        {
            entry.Total = offset + length;
        }

        if (entry.Total > 0 && entry.Received >= entry.Total)
        {
            entry = default;
        }
    }

    public void Remove(int slot) => _entries[slot] = default;

    /// <summary>Live slots, for listings and tests (walks the whole table).</summary>
    public int CountLive(long nowMs)
    {
        var count = 0;
        foreach (ref readonly var entry in _entries.AsSpan())
        {
            if (entry.Route != FragmentRoute.None && nowMs < entry.ExpiresMs)
            {
                count++;
            }
        }

        return count;
    }

    private int Bucket(in FragmentKey key) =>
        (HashCode.Combine(key.Source, key.Destination, key.Protocol, key.Identification) & _bucketMask) * Ways;
}
