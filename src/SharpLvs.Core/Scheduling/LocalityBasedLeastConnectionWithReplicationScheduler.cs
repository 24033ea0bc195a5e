using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_lblcr.c: as lblc, but a destination address maps to a set of servers, for a hot
/// destination that one server cannot carry. The pick is the set's weighted least-connection
/// member; when it is overloaded in lblc's sense (or the set has no usable member) the
/// service-wide weighted least-connection server joins the set and is used. A set that has
/// not changed for the expiration (24 h) sheds its most loaded member.
/// </summary>
/// <remarks>
/// Sets hold up to <see cref="SetCapacity"/> servers (the kernel's are unbounded lists); a
/// newcomer to a full set replaces the most loaded member. Members are kept most recent first,
/// as list_add_rcu does, since ties go to the first.
/// </remarks>
internal sealed class LocalityBasedLeastConnectionWithReplicationScheduler : IScheduler, IPeriodicScheduler
{
    internal const int SetCapacity = 8;

    private readonly RealServer[] _servers;
    private readonly LocalityTable _table;

    private LocalityBasedLeastConnectionWithReplicationScheduler(RealServer[] servers, LocalityTable table)
    {
        _servers = servers;
        _table = table;
    }

    public string Name => SchedulerNames.LocalityBasedLeastConnectionWithReplication;

    internal LocalityTable Table => _table;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        new LocalityBasedLeastConnectionWithReplicationScheduler(
            servers.ToArray(),
            previous is LocalityBasedLeastConnectionWithReplicationScheduler old ? old._table : new LocalityTable(SetCapacity));

    public void Tick(long nowMs) => _table.Tick(nowMs);

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var table = _table;
        var address = flow.Destination;
        var slot = table.Find(address);
        RealServer? server;
        if (slot >= 0)
        {
            table.Touch(slot);
            server = SetMin(table, slot);
            if (table.SetSize(slot) > 1 && table.NowMs > table.LastModified(slot) + table.ExpirationMs
                && SetMax(table, slot) is { } most)
            {
                Erase(table, slot, most);
            }

            if (server is not null && !LocalityBasedLeastConnectionScheduler.IsOverloaded(server, _servers))
            {
                return server;
            }

            server = WeightedLeastConnectionScheduler.Least(_servers);
            if (server is not null)
            {
                Insert(table, slot, server);
            }

            return server;
        }

        server = WeightedLeastConnectionScheduler.Least(_servers);
        if (server is not null)
        {
            Insert(table, table.Add(address), server);
        }

        return server;
    }

    /// <summary>ip_vs_dest_set_min: the member with the least overhead per weight, skipping overloaded, quiesced and deleted ones.</summary>
    private static RealServer? SetMin(LocalityTable table, int slot)
    {
        var set = table.Set(slot)[..table.SetSize(slot)];
        var first = 0;
        while (first < set.Length && (set[first]!.IsOverloaded || set[first]!.Weight <= 0 || !set[first]!.Available))
        {
            first++;
        }

        if (first == set.Length)
        {
            return null;
        }

        var least = set[first]!;
        long leastOverhead = least.ConnectionOverhead;
        for (var i = first + 1; i < set.Length; i++)
        {
            var member = set[i]!;
            if (member.IsOverloaded)
            {
                continue;
            }

            long overhead = member.ConnectionOverhead;
            if (leastOverhead * member.Weight > overhead * least.Weight && member.Available)
            {
                least = member;
                leastOverhead = overhead;
            }
        }

        return least;
    }

    /// <summary>ip_vs_dest_set_max: the member with the most overhead per weight, among those with a weight.</summary>
    private static RealServer? SetMax(LocalityTable table, int slot)
    {
        var set = table.Set(slot)[..table.SetSize(slot)];
        var first = 0;
        while (first < set.Length && set[first]!.Weight <= 0)
        {
            first++;
        }

        if (first == set.Length)
        {
            return null;
        }

        var most = set[first]!;
        long mostOverhead = most.ConnectionOverhead;
        for (var i = first + 1; i < set.Length; i++)
        {
            var member = set[i]!;
            long overhead = member.ConnectionOverhead;
            if (mostOverhead * member.Weight < overhead * most.Weight && member.Weight > 0)
            {
                most = member;
                mostOverhead = overhead;
            }
        }

        return most;
    }

    /// <summary>ip_vs_dest_set_insert with its duplicate check: a new member goes first and marks the set modified.</summary>
    private static void Insert(LocalityTable table, int slot, RealServer server)
    {
        ref var size = ref table.SetSize(slot);
        var set = table.Set(slot);
        if (IndexOf(set[..size], server) >= 0)
        {
            return;
        }

        if (size == set.Length)
        {
            Erase(table, slot, SetMax(table, slot) ?? set[size - 1]!);
        }

        set[..size].CopyTo(set[1..]);
        set[0] = server;
        size++;
        table.LastModified(slot) = table.NowMs;
    }

    /// <summary>ip_vs_dest_set_erase.</summary>
    private static void Erase(LocalityTable table, int slot, RealServer server)
    {
        ref var size = ref table.SetSize(slot);
        var set = table.Set(slot);
        var index = IndexOf(set[..size], server);
        if (index < 0)
        {
            return;
        }

        set[(index + 1)..size].CopyTo(set[index..]);
        set[size - 1] = null;
        size--;
        table.LastModified(slot) = table.NowMs;
    }

    private static int IndexOf(ReadOnlySpan<RealServer?> members, RealServer server)
    {
        for (var i = 0; i < members.Length; i++)
        {
            if (ReferenceEquals(members[i], server))
            {
                return i;
            }
        }

        return -1;
    }
}
