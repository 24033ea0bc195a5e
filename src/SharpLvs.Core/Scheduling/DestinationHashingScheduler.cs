using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_dh.c: a static 256-bucket table (IP_VS_DH_TAB_BITS 8) indexed by the destination
/// address, (addr × 2654435761) mod 256; bucket i holds server i mod n in list order, weights
/// aside. The bucket's server, if it is unavailable (quiesced, overloaded or deleted), means
/// no server: dh has no fallback. Meant for firewall-mark services of cache clusters, where the
/// destination is the origin server rather than the VIP.
/// </summary>
internal sealed class DestinationHashingScheduler : IScheduler
{
    internal const int TableBits = 8;
    internal const int TableSize = 1 << TableBits;

    private readonly RealServer?[] _buckets;

    private DestinationHashingScheduler(RealServer?[] buckets) => _buckets = buckets;

    public string Name => SchedulerNames.DestinationHashing;

    /// <summary>ip_vs_dh_reassign: the buckets are rebuilt whenever a server is added, removed or edited.</summary>
    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous)
    {
        var buckets = new RealServer?[TableSize];
        if (servers.Length > 0)
        {
            for (var i = 0; i < TableSize; i++)
            {
                buckets[i] = servers[i % servers.Length];
            }
        }

        return new DestinationHashingScheduler(buckets);
    }

    internal static int Bucket(in FlowKey flow) =>
        (int)(SchedulingHash.Knuth32(SchedulingHash.Fold(flow.Destination)) & (TableSize - 1));

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var server = _buckets[Bucket(flow)];
        return server is null || !server.Available || server.Weight <= 0 || server.IsOverloaded ? null : server;
    }
}
