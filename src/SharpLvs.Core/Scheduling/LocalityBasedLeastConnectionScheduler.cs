using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_lblc.c: a destination address keeps the server it was first given (for cache
/// clusters: one origin's objects stay on one cache) while that server is available, has a
/// weight and is not "overloaded" in lblc's own sense: more active connections than its
/// weight while some server runs below half of its weight. Otherwise the weighted
/// least-connection server (as wlc) is chosen and remembered. Note that the kernel does not
/// look at IP_VS_DEST_F_OVERLOAD (-x) for a remembered server, only for a new pick.
/// </summary>
internal sealed class LocalityBasedLeastConnectionScheduler : IScheduler, IPeriodicScheduler
{
    private readonly RealServer[] _servers;
    private readonly LocalityTable _table;

    private LocalityBasedLeastConnectionScheduler(RealServer[] servers, LocalityTable table)
    {
        _servers = servers;
        _table = table;
    }

    public string Name => SchedulerNames.LocalityBasedLeastConnection;

    internal LocalityTable Table => _table;

    /// <summary>The table lives as long as the service keeps this scheduler (ip_vs_lblc_init_svc / done_svc).</summary>
    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new LocalityBasedLeastConnectionScheduler(
            servers.ToArray(),
            previous is LocalityBasedLeastConnectionScheduler old ? old._table : new LocalityTable(setCapacity: 1));

    public void Tick(long nowMs) => _table.Tick(nowMs);

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var table = _table;
        var address = flow.Destination;
        var slot = table.Find(address);
        if (slot >= 0)
        {
            table.Touch(slot);
            var cached = table.Set(slot)[0];
            if (cached is { Available: true, Weight: > 0 } && !IsOverloaded(cached, _servers))
            {
                return cached;
            }
        }

        var least = WeightedLeastConnectionScheduler.Least(_servers);
        if (least is null)
        {
            return null;
        }

        // ip_vs_lblc_new: a new entry is stamped now; an existing one only changes its server.
        if (slot < 0)
        {
            slot = table.Add(address);
            table.SetSize(slot) = 1;
        }

        table.Set(slot)[0] = least;
        return least;
    }

    /// <summary>
    /// lblc's and lblcr's is_overloaded: more active connections than weight, while some server
    /// of the service has fewer than half its weight (so moving would help).
    /// </summary>
    internal static bool IsOverloaded(RealServer server, RealServer[] servers)
    {
        if (server.ActiveConnections <= server.Weight)
        {
            return false;
        }

        foreach (var other in servers)
        {
            if ((long)other.ActiveConnections * 2 < other.Weight)
            {
                return true;
            }
        }

        return false;
    }
}
