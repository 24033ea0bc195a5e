using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_lblc.c: a destination keeps its server while it is available, has a
// weight and is not overloaded in lblc's sense (active > weight while some server has
// active · 2 < weight); otherwise wlc picks and the entry is updated.
public class LocalityBasedLeastConnectionSchedulerTests
{
    private const long Minute = 60_000;
    private const long Day = 24 * 60 * Minute;

    [Fact]
    public void Schedule_NewDestination_WeightedLeastConnectionAndRemembered()
    {
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, Server('A'), Server('B'));

        // X: tie → A (bound); Y: A 256 vs B 0 → B; X again stays on A although B is lighter.
        Assert.Equal("A", Admit(service, 1, To("198.18.9.1")));
        Assert.Equal("B", Admit(service, 1, To("198.18.9.2")));
        Assert.Equal("AAA", Admit(service, 3, To("198.18.9.1")));
    }

    [Fact]
    public void Schedule_RememberedServerOverloadedWhileAnotherIsBelowHalf_MovesAndUpdatesTheEntry()
    {
        var a = Server('A', 1);
        var b = Server('B', 4);
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, a, b);
        Assert.Equal('A', PickName(service, To("198.18.9.1")));
        Connect(a, active: 2); // 2 > weight 1, and B: 0 · 2 < 4

        Assert.Equal('B', PickName(service, To("198.18.9.1")));
        a.Unbind(inactive: false, template: false);
        a.Unbind(inactive: false, template: false);

        Assert.Equal('B', PickName(service, To("198.18.9.1")));
    }

    [Fact]
    public void Schedule_RememberedServerBusyButNobodyBelowHalf_Stays()
    {
        var a = Server('A', 1);
        var b = Server('B', 2);
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, a, b);
        Assert.Equal('A', PickName(service, To("198.18.9.1")));
        Connect(a, active: 5);
        Connect(b, active: 1); // 1 · 2 is not < 2

        Assert.Equal('A', PickName(service, To("198.18.9.1")));
    }

    [Fact]
    public void Schedule_RememberedServerThresholdOverloaded_StillUsedAsTheKernelDoes()
    {
        var a = Server('A');
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, a, Server('B'));
        Assert.Equal('A', PickName(service, To("198.18.9.1")));

        Overload(a);

        Assert.Equal('A', PickName(service, To("198.18.9.1")));
        Assert.Equal('B', PickName(service, To("198.18.9.2")));
    }

    [Fact]
    public void Schedule_RememberedServerQuiescedOrRemoved_Rescheduled()
    {
        var a = Server('A');
        var b = Server('B');
        var c = Server('C');
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, a, b, c);
        Assert.Equal('A', PickName(service, To("198.18.9.1")));

        a.Weight = 0;
        Assert.Equal('B', PickName(service, To("198.18.9.1")));

        b.Available = false;
        service = Rebuilt(service, a, c);
        Assert.Equal('C', PickName(service, To("198.18.9.1")));
    }

    [Fact]
    public void Create_Rebuilt_KeepsTheTable()
    {
        var a = Server('A');
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, a);
        Assert.Equal('A', PickName(service, To("198.18.9.1")));

        service = Rebuilt(service, Server('C'), a);

        Assert.Equal('A', PickName(service, To("198.18.9.1")));
        Assert.Equal(1, ((LocalityBasedLeastConnectionScheduler)service.Scheduler).Table.Count);
    }

    [Fact]
    public void Tick_ThirtiethCheck_DropsEntriesIdleForADayOnly()
    {
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, Server('A'), Server('B'));
        var scheduler = (LocalityBasedLeastConnectionScheduler)service.Scheduler;
        scheduler.Tick(0);
        Assert.Equal('A', PickName(service, To("198.18.9.1"))); // stamped 0
        Assert.Equal('A', PickName(service, To("198.18.9.2")));

        // Checks 1..29 only count (the table is below max_size); check 30 is the full one.
        for (var check = 1; check <= 29; check++)
        {
            scheduler.Tick(Day + (check * Minute));
        }

        Assert.Equal('A', PickName(service, To("198.18.9.2"))); // used at Day + 29 min
        Assert.Equal(2, scheduler.Table.Count);
        scheduler.Tick(Day + (30 * Minute));

        Assert.Equal(1, scheduler.Table.Count);
        Assert.True(scheduler.Table.Find(InetAddress.Parse("198.18.9.1")) < 0);
        Assert.True(scheduler.Table.Find(InetAddress.Parse("198.18.9.2")) >= 0);
    }

    [Fact]
    public void Schedule_BucketFull_LeastRecentlyUsedEntryGivesWay()
    {
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, Server('A'));
        var scheduler = (LocalityBasedLeastConnectionScheduler)service.Scheduler;
        var colliding = Colliding(LocalityTable.Ways + 1);
        for (var i = 0; i < LocalityTable.Ways; i++)
        {
            scheduler.Tick(1000 * (i + 1));
            Pick(service, new SharpLvs.Core.Connections.FlowKey(IpProtocols.Tcp, Vip, 1, colliding[i], 80));
        }

        scheduler.Tick(100_000);
        Pick(service, new SharpLvs.Core.Connections.FlowKey(IpProtocols.Tcp, Vip, 1, colliding[0], 80)); // refresh the oldest
        Pick(service, new SharpLvs.Core.Connections.FlowKey(IpProtocols.Tcp, Vip, 1, colliding[^1], 80));

        Assert.Equal(LocalityTable.Ways, scheduler.Table.Count);
        Assert.True(scheduler.Table.Find(colliding[0]) >= 0);
        Assert.True(scheduler.Table.Find(colliding[1]) < 0);
        Assert.True(scheduler.Table.Find(colliding[^1]) >= 0);
    }

    [Fact]
    public void Schedule_NoUsableServer_ReturnsNullAndRemembersNothing()
    {
        var service = Service(SchedulerNames.LocalityBasedLeastConnection, ServiceFlags.None, Server('A', 0));

        Assert.Null(Pick(service, To("198.18.9.1")));
        Assert.Equal(0, ((LocalityBasedLeastConnectionScheduler)service.Scheduler).Table.Count);
    }

    /// <summary>Addresses that share one bucket of the table (hash_32(address, 10)).</summary>
    internal static InetAddress[] Colliding(int count)
    {
        var found = new List<InetAddress>();
        var bucket = LocalityTable.BucketOf(InetAddress.FromV4(0xC6130000));
        for (var v4 = 0xC6130000u; found.Count < count; v4++)
        {
            var address = InetAddress.FromV4(v4);
            if (LocalityTable.BucketOf(address) == bucket)
            {
                found.Add(address);
            }
        }

        return [.. found];
    }
}
