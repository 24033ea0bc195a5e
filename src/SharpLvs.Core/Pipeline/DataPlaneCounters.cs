using SharpLvs.Core.Services;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// Everything one worker's pipeline counts: each verdict, each drop reason, and a few events.
/// Written only by the worker's thread; readable from any thread (64-bit reads do not tear).
/// </summary>
public sealed class DataPlaneCounters
{
    private static readonly DropReason[] AllReasons = Enum.GetValues<DropReason>();
    private static readonly Verdict[] AllVerdicts = Enum.GetValues<Verdict>();

    private readonly long[] _drops = new long[(int)AllReasons.Max() + 1];
    private readonly long[] _verdicts = new long[(int)AllVerdicts.Max() + 1];
    private long _arpReplies;
    private long _connectionsCreated;
    private long _connectionsExpired;
    private long _checksumsCompleted;
    private long _icmpErrors;
    private long _neighbourAdvertisements;
    private long _icmpRateLimitGlobal;
    private long _icmpRateLimitHost;
    private long _icmpRelayed;

    /// <param name="totals">The director's totals, shared by every worker's counters (lvsd --workers); a new set if null.</param>
    public DataPlaneCounters(IpvsStats? totals = null)
    {
        Totals = totals ?? new IpvsStats();
    }

    /// <summary>The director's totals (the kernel's ipvs->tot_stats, /proc/net/ip_vs_stats).</summary>
    public IpvsStats Totals { get; }

    public long ArpReplies => Volatile.Read(ref _arpReplies);

    public long ConnectionsCreated => Volatile.Read(ref _connectionsCreated);

    public long ConnectionsExpired => Volatile.Read(ref _connectionsExpired);

    /// <summary>CHECKSUM_PARTIAL frames whose checksum the pipeline completed.</summary>
    public long ChecksumsCompleted => Volatile.Read(ref _checksumsCompleted);

    /// <summary>Packets turned into an ICMP error for their sender (fragmentation needed, packet too big, port unreachable).</summary>
    public long IcmpErrors => Volatile.Read(ref _icmpErrors);

    /// <summary>Neighbour Solicitations for a VIP answered with a Neighbour Advertisement (IPv6's <see cref="ArpReplies"/>).</summary>
    public long NeighbourAdvertisements => Volatile.Read(ref _neighbourAdvertisements);

    /// <summary>ICMP errors not sent because the worker's global budget was spent (the kernel's RateLimitGlobal).</summary>
    public long IcmpRateLimitGlobal => Volatile.Read(ref _icmpRateLimitGlobal);

    /// <summary>ICMP errors not sent because their destination had its share (the kernel's RateLimitHost).</summary>
    public long IcmpRateLimitHost => Volatile.Read(ref _icmpRateLimitHost);

    /// <summary>ICMP errors of a connection handed to its other end (real server or client).</summary>
    public long IcmpRelayed => Volatile.Read(ref _icmpRelayed);

    public long Dropped(DropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    public long Count(Verdict verdict) => Volatile.Read(ref _verdicts[(int)verdict]);

    /// <summary>Drops of <paramref name="reason"/> over several workers' counters (lvsd --workers: listings sum them).</summary>
    public static long SumDropped(IReadOnlyList<DataPlaneCounters> counters, DropReason reason)
    {
        ArgumentNullException.ThrowIfNull(counters);
        long sum = 0;
        for (var i = 0; i < counters.Count; i++)
        {
            sum += counters[i].Dropped(reason);
        }

        return sum;
    }

    /// <summary>Every counter by name, summed over several workers' counters.</summary>
    public static IReadOnlyList<KeyValuePair<string, long>> SumAll(IReadOnlyList<DataPlaneCounters> counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        var sums = new List<KeyValuePair<string, long>>();
        for (var i = 0; i < counters.Count; i++)
        {
            var all = counters[i].ReadAll();
            if (i == 0)
            {
                sums.AddRange(all);
                continue;
            }

            for (var n = 0; n < all.Count; n++)
            {
                sums[n] = new(sums[n].Key, sums[n].Value + all[n].Value);
            }
        }

        return sums;
    }

    /// <summary>Every counter by name ("Verdict.Transmit", "Drop.NoRealServer", "ArpReplies", …), for listings.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ReadAll()
    {
        var all = new List<KeyValuePair<string, long>>();
        foreach (var verdict in AllVerdicts)
        {
            all.Add(new($"Verdict.{verdict}", Count(verdict)));
        }

        foreach (var reason in AllReasons)
        {
            if (reason != DropReason.None)
            {
                all.Add(new($"Drop.{reason}", Dropped(reason)));
            }
        }

        all.Add(new(nameof(ArpReplies), ArpReplies));
        all.Add(new(nameof(ConnectionsCreated), ConnectionsCreated));
        all.Add(new(nameof(ConnectionsExpired), ConnectionsExpired));
        all.Add(new(nameof(ChecksumsCompleted), ChecksumsCompleted));
        all.Add(new(nameof(IcmpErrors), IcmpErrors));
        all.Add(new(nameof(NeighbourAdvertisements), NeighbourAdvertisements));
        all.Add(new(nameof(IcmpRateLimitGlobal), IcmpRateLimitGlobal));
        all.Add(new(nameof(IcmpRateLimitHost), IcmpRateLimitHost));
        all.Add(new(nameof(IcmpRelayed), IcmpRelayed));
        return all;
    }

    // Worker thread only.
    internal void CountVerdict(Verdict verdict, DropReason reason)
    {
        if ((uint)verdict >= (uint)_verdicts.Length)
        {
            return;
        }

        ref var v = ref _verdicts[(int)verdict];
        Volatile.Write(ref v, v + 1);
        if (verdict == Verdict.Drop && (uint)reason < (uint)_drops.Length)
        {
            ref var d = ref _drops[(int)reason];
            Volatile.Write(ref d, d + 1);
        }
    }

    /// <summary>
    /// A reason for a packet whose frame still leaves, as something else: the client's packet
    /// that found no real server goes nowhere, its frame goes back as the ICMP error.
    /// </summary>
    internal void CountDrop(DropReason reason)
    {
        if ((uint)reason < (uint)_drops.Length)
        {
            ref var d = ref _drops[(int)reason];
            Volatile.Write(ref d, d + 1);
        }
    }

    internal void CountIcmpRateLimited(bool global)
    {
        if (global)
        {
            Volatile.Write(ref _icmpRateLimitGlobal, _icmpRateLimitGlobal + 1);
        }
        else
        {
            Volatile.Write(ref _icmpRateLimitHost, _icmpRateLimitHost + 1);
        }
    }

    internal void CountArpReply() => Volatile.Write(ref _arpReplies, _arpReplies + 1);

    internal void CountNeighbourAdvertisement() => Volatile.Write(ref _neighbourAdvertisements, _neighbourAdvertisements + 1);

    internal void CountConnectionCreated() => Volatile.Write(ref _connectionsCreated, _connectionsCreated + 1);

    internal void CountConnectionsExpired(int count) => Volatile.Write(ref _connectionsExpired, _connectionsExpired + count);

    internal void CountIcmpError() => Volatile.Write(ref _icmpErrors, _icmpErrors + 1);

    internal void CountIcmpRelayed() => Volatile.Write(ref _icmpRelayed, _icmpRelayed + 1);

    internal void CountChecksumCompleted() => Volatile.Write(ref _checksumsCompleted, _checksumsCompleted + 1);
}
