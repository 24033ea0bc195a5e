using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_fo.c: every new connection goes to the server with the highest weight that is not
/// overloaded; the first in list order wins a tie, and weight 0 never qualifies. Lowering the
/// active server's weight (or its overload) fails over to the next highest.
/// </summary>
internal sealed class WeightedFailoverScheduler : IScheduler
{
    private readonly RealServer[] _servers;

    private WeightedFailoverScheduler(RealServer[] servers) => _servers = servers;

    public string Name => SchedulerNames.WeightedFailover;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new WeightedFailoverScheduler(servers.ToArray());

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        RealServer? highest = null;
        var highestWeight = 0;
        foreach (var server in _servers)
        {
            var weight = server.Weight;
            if (!server.IsOverloaded && weight > highestWeight)
            {
                highest = server;
                highestWeight = weight;
            }
        }

        return highest;
    }
}
