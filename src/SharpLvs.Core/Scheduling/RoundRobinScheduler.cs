using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_rr.c: the servers in turn, continuing after the last one chosen; a server with
/// weight 0 (quiesced) or overloaded is skipped.
/// </summary>
internal sealed class RoundRobinScheduler : IScheduler
{
    private readonly RealServer[] _servers;

    // Index of the last server chosen; -1 is the list head (start from the first server).
    private int _last;

    private RoundRobinScheduler(RealServer[] servers, int last)
    {
        _servers = servers;
        _last = last;
    }

    public string Name => SchedulerNames.RoundRobin;

    /// <summary>The last chosen position (-1 before the first pick); for tests and diagnostics.</summary>
    internal int LastIndex => _last;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous)
    {
        var array = servers.ToArray();
        var last = previous is RoundRobinScheduler rr ? rr.CarriedPosition(array) : -1;
        return new RoundRobinScheduler(array, last);
    }

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var servers = _servers;
        var count = servers.Length;
        var start = _last;

        // One full circle starting after the last choice and ending with it, as the kernel's
        // two passes over the circular list do.
        for (var step = 1; step <= count; step++)
        {
            var index = (start + step) % count;
            if (index < 0)
            {
                index += count;
            }

            var server = servers[index];
            if (!server.IsOverloaded && server.Weight > 0)
            {
                _last = index;
                return server;
            }
        }

        return null;
    }

    /// <summary>
    /// The position in <paramref name="next"/> that continues this rotation: the same server if
    /// it is still there; if it was deleted, the nearest surviving server before it (ip_vs_rr_del_dest
    /// steps the cursor back to the previous entry), so the rotation resumes where it was.
    /// </summary>
    private int CarriedPosition(RealServer[] next)
    {
        // Read on the control thread while the data plane may still schedule with this
        // instance: at worst the position is one pick stale.
        var old = _servers;
        var last = Volatile.Read(ref _last);
        if (last < 0 || last >= old.Length)
        {
            return -1;
        }

        for (var back = last; back >= 0; back--)
        {
            var found = Array.IndexOf(next, old[back]);
            if (found >= 0)
            {
                return found;
            }
        }

        return -1;
    }
}
