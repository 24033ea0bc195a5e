using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_nq.c: the first usable server with no active connection wins at
// once; otherwise sed's (active + 1) / weight with the first winning ties.
public class NeverQueueSchedulerTests
{
    [Fact]
    public void Schedule_IdleServer_FirstIdleInListOrderWinsWhateverTheWeights()
    {
        var a = Server('A', 10);
        Connect(a, active: 1);
        var service = Service(SchedulerNames.NeverQueue, ServiceFlags.None, a, Server('B', 1), Server('C', 50));

        Assert.Equal('B', PickName(service, default));
    }

    [Fact]
    public void Schedule_Weights1And2_IdleFirstThenExpectedDelay()
    {
        // (0,0) A idle → A; (1,0) B idle → B; (1,1) 2 vs 1 → B; (1,2) 2 vs 3/2 → B;
        // (1,3) 2 vs 2 tie → A; (2,3) 3 vs 2 → B.
        var service = Service(SchedulerNames.NeverQueue, ServiceFlags.None, Server('A', 1), Server('B', 2));

        Assert.Equal("ABBBAB", Admit(service, 6));
    }

    [Fact]
    public void Schedule_InactiveConnectionsStillIdle()
    {
        var a = Server('A');
        var b = Server('B');
        Connect(a, active: 1);
        Connect(b, active: 0, inactive: 30);
        var service = Service(SchedulerNames.NeverQueue, ServiceFlags.None, a, b);

        Assert.Equal('B', PickName(service, default));
    }

    [Fact]
    public void Schedule_IdleButQuiescedOrOverloaded_Skipped()
    {
        var b = Server('B');
        Overload(b); // one inactive connection, still "idle"
        var c = Server('C');
        Connect(c, active: 4);
        var service = Service(SchedulerNames.NeverQueue, ServiceFlags.None, Server('A', 0), b, c);

        Assert.Equal('C', PickName(service, default));
    }

    [Fact]
    public void Schedule_ServerRemovedMidway_NotChosenAgain()
    {
        var a = Server('A');
        var b = Server('B');
        var service = Service(SchedulerNames.NeverQueue, ServiceFlags.None, a, b);
        Assert.Equal("AB", Admit(service, 2));

        service = Rebuilt(service, b);

        Assert.Equal("BB", Admit(service, 2));
    }

    [Fact]
    public void Schedule_NoUsableServer_ReturnsNull()
    {
        var a = Server('A');
        Overload(a);

        Assert.Null(Pick(Service(SchedulerNames.NeverQueue, ServiceFlags.None, a, Server('B', 0)), default));
    }
}
