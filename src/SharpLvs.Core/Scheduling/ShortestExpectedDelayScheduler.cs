using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_sed.c: the least expected delay (active + 1) / weight, counting active connections
/// only (the new connection is the "+ 1": an idle heavy server beats an idle light one).
/// h1/w1 &gt; h2/w2 is compared as h1·w2 &gt; h2·w1; the first server neither overloaded nor
/// quiesced starts, and a later one wins only when strictly better, so the first in list
/// order wins a tie and a weight-0 server never wins.
/// </summary>
internal sealed class ShortestExpectedDelayScheduler : IScheduler
{
    private readonly RealServer[] _servers;

    private ShortestExpectedDelayScheduler(RealServer[] servers) => _servers = servers;

    public string Name => SchedulerNames.ShortestExpectedDelay;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new ShortestExpectedDelayScheduler(servers.ToArray());

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var servers = _servers;
        var first = 0;
        while (first < servers.Length && (servers[first].IsOverloaded || servers[first].Weight <= 0))
        {
            first++;
        }

        if (first == servers.Length)
        {
            return null;
        }

        var least = servers[first];
        long leastDelay = least.ActiveConnections + 1;
        long leastWeight = least.Weight;
        for (var i = first + 1; i < servers.Length; i++)
        {
            var server = servers[i];
            if (server.IsOverloaded)
            {
                continue;
            }

            long delay = server.ActiveConnections + 1;
            long weight = server.Weight;
            if (leastDelay * weight > delay * leastWeight)
            {
                least = server;
                leastDelay = delay;
                leastWeight = weight;
            }
        }

        return least;
    }
}
