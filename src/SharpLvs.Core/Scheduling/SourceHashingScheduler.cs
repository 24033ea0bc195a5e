using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_sh.c: a static 256-bucket table (IP_VS_SH_TAB_BITS 8) indexed by hash_32(client
/// address + port, 8), port 0 unless <c>-b sh-port</c>. The buckets are dealt in list order,
/// each server taking as many consecutive buckets as its weight (at least one), round and
/// round until the table is full. An unavailable server (weight 0 or overloaded) in the
/// client's bucket means no server, unless <c>-b sh-fallback</c>: then the kernel walks the
/// table from there, offset by offset, for the first available one.
/// </summary>
internal sealed class SourceHashingScheduler : IScheduler
{
    internal const int TableBits = 8;
    internal const int TableSize = 1 << TableBits;
    private const int TableMask = TableSize - 1;

    private readonly RealServer?[] _buckets;

    private SourceHashingScheduler(RealServer?[] buckets) => _buckets = buckets;

    public string Name => SchedulerNames.SourceHashing;

    /// <summary>ip_vs_sh_reassign, with the weights of the moment (it runs on every add, delete and edit).</summary>
    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous)
    {
        var buckets = new RealServer?[TableSize];
        if (servers.Length > 0)
        {
            var index = 0;
            var count = 0;
            for (var i = 0; i < TableSize; i++)
            {
                var server = servers[index];
                buckets[i] = server;
                if (++count >= server.Weight)
                {
                    index = (index + 1) % servers.Length;
                    count = 0;
                }
            }
        }

        return new SourceHashingScheduler(buckets);
    }

    /// <summary>The servers bucket by bucket; for tests.</summary>
    internal ReadOnlySpan<RealServer?> Buckets => _buckets;

    /// <summary>ip_vs_sh_hashkey with offset 0.</summary>
    internal static int Bucket(in FlowKey flow, bool hashPort)
    {
        var port = hashPort ? SchedulingHash.SourcePort(flow) : 0u;
        return (int)SchedulingHash.Hash32(unchecked(port + SchedulingHash.Fold(flow.Source)), TableBits);
    }

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var flags = service.Flags;
        var home = Bucket(flow, (flags & ServiceFlags.HashPort) != 0);
        var server = _buckets[home];
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

        // ip_vs_sh_get_fallback: hashkey(offset) adds the offset to the home bucket, and the
        // offset itself starts at the home bucket, so the walk visits (2·home + k) mod 256.
        for (var offset = 0; offset < TableSize; offset++)
        {
            var bucket = (((offset + home) & TableMask) + home) & TableMask;
            server = _buckets[bucket];
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

    // is_unavailable; a deleted server is also refused, since the data plane may still hold
    // the previous table for a moment after the kernel would already have rebuilt it.
    private static bool IsAvailable(RealServer server) => server.Weight > 0 && !server.IsOverloaded && server.Available;
}
