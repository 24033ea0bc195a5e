using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_lc.c: the server with the least connection overhead (256 × active + inactive, so
/// that TIME_WAIT leftovers weigh little); the first in list order wins a tie. Weight only
/// quiesces (0) here.
/// </summary>
internal sealed class LeastConnectionScheduler : IScheduler
{
    private readonly RealServer[] _servers;

    private LeastConnectionScheduler(RealServer[] servers) => _servers = servers;

    public string Name => SchedulerNames.LeastConnection;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new LeastConnectionScheduler(servers.ToArray());

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        RealServer? least = null;
        var leastOverhead = 0;
        foreach (var server in _servers)
        {
            if (server.IsOverloaded || server.Weight == 0)
            {
                continue;
            }

            var overhead = server.ConnectionOverhead;
            if (least is null || overhead < leastOverhead)
            {
                least = server;
                leastOverhead = overhead;
            }
        }

        return least;
    }
}
