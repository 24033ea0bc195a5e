using System.Collections.Immutable;
using System.Numerics;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_mh.c, Maglev hashing (Eisenbud et al., NSDI 2016, §3.4): a lookup table of
/// IP_VS_MH_TAB_SIZE = 4093 slots (the prime for the default CONFIG_IP_VS_MH_TAB_INDEX 12)
/// filled from per-server permutations, so every server holds nearly the same share of slots
/// (times its weight) and a server's removal moves only its own slots. A client goes to the
/// slot hsiphash(client address + port) mod 4093, port 0 unless <c>-b mh-port</c>.
/// </summary>
/// <remarks>
/// The hashes are the kernel's own: hsiphash with the fixed keys of generate_hash_secret
/// (2654435761 and 2654446892 in both key words), as 64-bit kernels compute it (SipHash-1-3),
/// so a table built here equals the kernel's for the same servers in the same order.
/// A quiesced server (weight 0) keeps its slots by its last non-zero weight and is skipped at
/// lookup: no server, or with <c>-b mh-fallback</c> the next available one along the client's
/// own probe sequence.
/// </remarks>
internal sealed class MaglevHashingScheduler : IScheduler
{
    /// <summary>primes[CONFIG_IP_VS_MH_TAB_INDEX - 8] with the default index 12.</summary>
    internal const int TableSize = 4093;

    /// <summary>IP_VS_MH_TAB_BITS = CONFIG_IP_VS_MH_TAB_INDEX / 2: weights above 2^6 × gcd are shifted down.</summary>
    private const int TableBits = 6;

    private const ulong Key1 = 2654435761;
    private const ulong Key2 = 2654446892;

    private readonly RealServer?[] _lookup;

    private MaglevHashingScheduler(RealServer?[] lookup) => _lookup = lookup;

    public string Name => SchedulerNames.MaglevHashing;

    /// <summary>The servers slot by slot; for tests.</summary>
    internal ReadOnlySpan<RealServer?> Lookup => _lookup;

    /// <summary>
    /// ip_vs_mh_reassign (run on every add, delete and edit): the permutation of each server,
    /// then the population of the table. More servers than slots leave the table empty (the
    /// kernel refuses such an add with EINVAL).
    /// </summary>
    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous)
    {
        var lookup = new RealServer?[TableSize];
        var count = servers.Length;
        var gcd = GcdOfLastWeights(servers);
        if (gcd < 1 || count > TableSize)
        {
            return new MaglevHashingScheduler(lookup);
        }

        var shift = Shift(servers, gcd);
        var skip = new int[count];
        var next = new int[count];
        var turns = new int[count];
        for (var i = 0; i < count; i++)
        {
            var server = servers[i];
            var key = unchecked((uint)server.Port + SchedulingHash.Fold(server.Address));
            next[i] = (int)(SchedulingHash.HalfSipHash(Key1, Key1, key) % TableSize);
            skip[i] = (int)(SchedulingHash.HalfSipHash(Key2, Key2, key) % (TableSize - 1)) + 1;
            var lastWeight = server.LastWeight;
            var scaled = (lastWeight / gcd) >> shift;
            turns[i] = scaled != 0 ? scaled : (lastWeight != 0 ? 1 : 0);
        }

        Populate(servers, lookup, skip, next, turns);
        return new MaglevHashingScheduler(lookup);
    }

    /// <summary>
    /// ip_vs_mh_populate: in list order, each server takes its next free preferred slot, as
    /// many times in a row as its turns, round after round until every slot is taken.
    /// </summary>
    private static void Populate(ImmutableArray<RealServer> servers, RealServer?[] lookup, int[] skip, int[] next, int[] turns)
    {
        var taken = new bool[TableSize];
        var filled = 0;
        var inRow = 0;
        while (true)
        {
            var i = 0;
            while (i < servers.Length)
            {
                if (turns[i] < 1)
                {
                    i++;
                    continue;
                }

                var slot = next[i];
                while (taken[slot])
                {
                    slot += skip[i];
                    if (slot >= TableSize)
                    {
                        slot -= TableSize;
                    }
                }

                next[i] = slot;
                taken[slot] = true;
                lookup[slot] = servers[i];
                if (++filled == TableSize)
                {
                    return;
                }

                if (++inRow >= turns[i])
                {
                    inRow = 0;
                    i++;
                }
            }
        }
    }

    /// <summary>ip_vs_mh_hashkey: hsiphash of (offset + port + folded address) under key 1, mod the table size.</summary>
    internal static int Slot(uint key, uint offset) => (int)(SchedulingHash.HalfSipHash(Key1, Key1, unchecked(offset + key)) % TableSize);

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var flags = service.Flags;
        var port = (flags & ServiceFlags.HashPort) != 0 ? SchedulingHash.SourcePort(flow) : 0u;
        var key = unchecked(port + SchedulingHash.Fold(flow.Source));
        var home = Slot(key, 0);
        var server = _lookup[home];
        if (server is null)
        {
            return null;
        }

        if (IsAvailable(server))
        {
            return server;
        }

        if ((flags & ServiceFlags.HashFallback) == 0)
        {
            return null;
        }

        // ip_vs_mh_get_fallback: rehash with growing offsets until an available server turns up.
        for (var offset = 0; offset < TableSize; offset++)
        {
            server = _lookup[Slot(key, (uint)((offset + home) % TableSize))];
            if (server is null)
            {
                break;
            }

            if (IsAvailable(server))
            {
                return server;
            }
        }

        return null;
    }

    // is_unavailable, and a deleted server (the data plane may hold the old table a moment longer).
    private static bool IsAvailable(RealServer server) => server.Weight > 0 && !server.IsOverloaded && server.Available;

    /// <summary>ip_vs_mh_gcd_weight over the last (non-zero) weights.</summary>
    private static int GcdOfLastWeights(ImmutableArray<RealServer> servers)
    {
        var gcd = 0;
        foreach (var server in servers)
        {
            var weight = server.LastWeight;
            if (weight > 0)
            {
                gcd = gcd > 0 ? Gcd(weight, gcd) : weight;
            }
        }

        return gcd;
    }

    /// <summary>ip_vs_mh_shift_weight: fls(max / gcd) − IP_VS_MH_TAB_BITS, at least 0, so turns stay small.</summary>
    private static int Shift(ImmutableArray<RealServer> servers, int gcd)
    {
        var max = 0;
        foreach (var server in servers)
        {
            max = Math.Max(max, server.LastWeight);
        }

        var fls = 32 - BitOperations.LeadingZeroCount((uint)(max / gcd));
        return Math.Max(0, fls - TableBits);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
