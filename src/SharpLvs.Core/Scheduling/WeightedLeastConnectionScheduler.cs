using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_wlc.c, ipvsadm's default: the least overhead / weight, overhead being 256 × active +
/// inactive. No division: h1/w1 &gt; h2/w2 is compared as h1·w2 &gt; h2·w1 in 64 bits, valid
/// for positive weights; a weight-0 server can never win that comparison, so it gets no new
/// connections. The first in list order wins a tie.
/// </summary>
internal sealed class WeightedLeastConnectionScheduler : IScheduler
{
    private readonly RealServer[] _servers;

    private WeightedLeastConnectionScheduler(RealServer[] servers) => _servers = servers;

    public string Name => SchedulerNames.WeightedLeastConnection;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new WeightedLeastConnectionScheduler(servers.ToArray());

    public RealServer? Schedule(VirtualService service, in FlowKey flow) => Least(_servers);

    /// <summary>
    /// The weighted least-connection pick that wlc, lblc and lblcr share (ip_vs_wlc_schedule,
    /// __ip_vs_lblc_schedule, __ip_vs_lblcr_schedule): the first server neither overloaded nor
    /// quiesced starts, later ones win only with a strictly smaller overhead per weight.
    /// </summary>
    internal static RealServer? Least(RealServer[] servers)
    {
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
        long leastOverhead = least.ConnectionOverhead;
        long leastWeight = least.Weight;
        for (var i = first + 1; i < servers.Length; i++)
        {
            var server = servers[i];
            if (server.IsOverloaded)
            {
                continue;
            }

            long overhead = server.ConnectionOverhead;
            long weight = server.Weight;
            if (leastOverhead * weight > overhead * leastWeight)
            {
                least = server;
                leastOverhead = overhead;
                leastWeight = weight;
            }
        }

        return least;
    }
}
