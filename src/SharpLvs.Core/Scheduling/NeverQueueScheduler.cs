using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_nq.c: the first idle server (no active connection) in list order, so nothing waits
/// behind another connection; when none is idle, the shortest expected delay
/// (active + 1) / weight as sed, the first in list order winning a tie. Overloaded and
/// quiesced (weight 0) servers are skipped.
/// </summary>
internal sealed class NeverQueueScheduler : IScheduler
{
    private readonly RealServer[] _servers;

    private NeverQueueScheduler(RealServer[] servers) => _servers = servers;

    public string Name => SchedulerNames.NeverQueue;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new NeverQueueScheduler(servers.ToArray());

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        RealServer? least = null;
        long leastDelay = 0;
        long leastWeight = 0;
        foreach (var server in _servers)
        {
            if (server.IsOverloaded || server.Weight <= 0)
            {
                continue;
            }

            var active = server.ActiveConnections;
            if (active == 0)
            {
                return server;
            }

            long delay = active + 1;
            long weight = server.Weight;
            if (least is null || leastDelay * weight > delay * leastWeight)
            {
                least = server;
                leastDelay = delay;
                leastWeight = weight;
            }
        }

        return least;
    }
}
