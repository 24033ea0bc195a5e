using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_lblcr.c: the destination's set answers with its weighted
// least-connection member; when that member is overloaded in lblc's sense, the service-wide
// wlc pick joins the set (first in it); a set unchanged for the expiration drops its most
// loaded member on the next lookup.
public class LocalityBasedLeastConnectionWithReplicationSchedulerTests
{
    private const long Day = 24 * 60 * 60 * 1000L;

    private static LocalityBasedLeastConnectionWithReplicationScheduler SchedulerOf(VirtualService service) =>
        (LocalityBasedLeastConnectionWithReplicationScheduler)service.Scheduler;

    private static string SetOf(VirtualService service, string destination)
    {
        var table = SchedulerOf(service).Table;
        var slot = table.Find(InetAddress.Parse(destination));
        return slot < 0 ? "" : new string([.. table.Set(slot)[..table.SetSize(slot)].ToArray().Select(NameOf)]);
    }

    [Fact]
    public void Schedule_NewDestination_SetOfTheWlcPick()
    {
        var service = Service(SchedulerNames.LocalityBasedLeastConnectionWithReplication, ServiceFlags.None, Server('A'), Server('B'));

        Assert.Equal('A', PickName(service, To("198.18.9.1")));
        Assert.Equal("A", SetOf(service, "198.18.9.1"));
    }

    [Fact]
    public void Schedule_MemberOverloaded_ReplicatesToTheLeastLoadedServer()
    {
        var a = Server('A', 1);
        var b = Server('B', 4);
        var c = Server('C', 4);
        var service = Service(SchedulerNames.LocalityBasedLeastConnectionWithReplication, ServiceFlags.None, a, b, c);
        Assert.Equal('A', PickName(service, To("198.18.9.1")));
        Connect(a, active: 2);

        // A: 2 > 1 and B: 0 < 4 / 2 → overloaded; wlc: A 512/1, B 0/4, C 0/4 → B joins first.
        Assert.Equal('B', PickName(service, To("198.18.9.1")));
        Assert.Equal("BA", SetOf(service, "198.18.9.1"));

        // Set min now: B 0/4 before A 512/1 → B, and the set stays.
        Assert.Equal("BBB", Admit(service, 3, To("198.18.9.1")));
        Assert.Equal("BA", SetOf(service, "198.18.9.1"));
    }

    [Fact]
    public void Schedule_SetUnchangedForTheExpiration_ShedsItsMostLoadedMember()
    {
        var a = Server('A', 1);
        var b = Server('B', 4);
        var service = Service(SchedulerNames.LocalityBasedLeastConnectionWithReplication, ServiceFlags.None, a, b);
        var scheduler = SchedulerOf(service);
        scheduler.Tick(1000);
        PickName(service, To("198.18.9.1"));
        Connect(a, active: 2);
        Assert.Equal('B', PickName(service, To("198.18.9.1"))); // set B A, modified at 1000

        scheduler.Tick(1000 + Day);
        Assert.Equal("BA", SetOf(service, "198.18.9.1")); // not after yet
        scheduler.Tick(1001 + Day);

        Assert.Equal('B', PickName(service, To("198.18.9.1")));
        Assert.Equal("B", SetOf(service, "198.18.9.1"));
    }

    [Fact]
    public void Schedule_MemberRemovedOrQuiesced_IgnoredInTheSet()
    {
        var a = Server('A');
        var b = Server('B');
        var service = Service(SchedulerNames.LocalityBasedLeastConnectionWithReplication, ServiceFlags.None, a, b);
        Assert.Equal('A', PickName(service, To("198.18.9.1")));

        a.Available = false;
        service = Rebuilt(service, b);

        Assert.Equal('B', PickName(service, To("198.18.9.1")));
        Assert.Equal("BA", SetOf(service, "198.18.9.1"));
    }

    [Fact]
    public void Schedule_FullSet_NewcomerReplacesTheMostLoaded()
    {
        var servers = Enumerable.Range(0, 10).Select(i => Server((char)('A' + i), 2)).ToArray();
        var service = Service(SchedulerNames.LocalityBasedLeastConnectionWithReplication, ServiceFlags.None, servers);

        // Each pick is driven to overload (3 active > weight 2, others below half), so the next
        // idle server joins: after 8 the set is full and the ninth pushes out a loaded member.
        for (var i = 0; i < 9; i++)
        {
            var server = Pick(service, To("198.18.9.1"))!;
            Assert.Same(servers[i], server);
            Connect(server, active: 3 + i);
        }

        var set = SetOf(service, "198.18.9.1");
        Assert.Equal(LocalityBasedLeastConnectionWithReplicationScheduler.SetCapacity, set.Length);
        Assert.StartsWith("I", set, StringComparison.Ordinal);
        Assert.DoesNotContain('H', set); // H carries 10 / 2, the most per weight
    }

    [Fact]
    public void Schedule_NoUsableServer_ReturnsNull()
    {
        var service = Service(SchedulerNames.LocalityBasedLeastConnectionWithReplication, ServiceFlags.None, Server('A', 0));

        Assert.Null(Pick(service, To("198.18.9.1")));
        Assert.Equal("", SetOf(service, "198.18.9.1"));
    }
}
