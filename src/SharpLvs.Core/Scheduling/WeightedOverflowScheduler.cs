using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_ovf.c: the highest-weight server whose active connections do not exceed its weight
/// (the weight read as a connection budget); when it is full the next highest takes the
/// overflow. Overloaded and weight-0 servers are skipped; the first in list order wins a tie.
/// </summary>
internal sealed class WeightedOverflowScheduler : IScheduler
{
    private readonly RealServer[] _servers;

    private WeightedOverflowScheduler(RealServer[] servers) => _servers = servers;

    public string Name => SchedulerNames.WeightedOverflow;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new WeightedOverflowScheduler(servers.ToArray());

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        RealServer? highest = null;
        var highestWeight = 0;
        foreach (var server in _servers)
        {
            var weight = server.Weight;
            if (server.IsOverloaded || server.ActiveConnections > weight || weight == 0)
            {
                continue;
            }

            if (highest is null || weight > highestWeight)
            {
                highest = server;
                highestWeight = weight;
            }
        }

        return highest;
    }
}
