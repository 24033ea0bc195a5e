using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_sed.c: cost (active + 1) / weight, compared as h1·w2 > h2·w1; the
// first usable server starts and a later one must be strictly cheaper.
public class ShortestExpectedDelaySchedulerTests
{
    [Fact]
    public void Schedule_Weights1And3_FollowsExpectedDelay()
    {
        // (A, B) active → costs A, B → pick:
        // (0,0) 1 vs 1/3 → B; (0,1) 1 vs 2/3 → B; (0,2) 1 vs 1 tie → A; (1,2) 2 vs 1 → B;
        // (1,3) 2 vs 4/3 → B; (1,4) 2 vs 5/3 → B; (1,5) 2 vs 2 tie → A.
        var service = Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None, Server('A', 1), Server('B', 3));

        Assert.Equal("BBABBBA", Admit(service, 7));
    }

    [Fact]
    public void Schedule_EqualWeights_FirstWinsTiesSoTurnsAlternate()
    {
        var service = Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None, Server('A'), Server('B'), Server('C'));

        Assert.Equal("ABCABC", Admit(service, 6));
    }

    [Fact]
    public void Schedule_InactiveConnections_AreNotCounted()
    {
        var a = Server('A');
        var b = Server('B');
        Connect(a, active: 0, inactive: 100);
        Connect(b, active: 1);
        var service = Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None, a, b);

        Assert.Equal('A', PickName(service, default));
    }

    [Fact]
    public void Schedule_WeightZero_NeverChosenEvenIdle()
    {
        var b = Server('B');
        Connect(b, active: 50);
        var service = Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None, Server('A', 0), b, Server('C', 0));

        Assert.Equal("BBB", Admit(service, 3));
    }

    [Fact]
    public void Schedule_Overloaded_Skipped()
    {
        var a = Server('A', 10);
        Overload(a);
        var service = Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None, a, Server('B', 1));

        Assert.Equal('B', PickName(service, default));
    }

    [Fact]
    public void Schedule_ServerAddedMidway_TakesTheNextConnections()
    {
        var a = Server('A');
        var service = Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None, a);
        Assert.Equal("AA", Admit(service, 2));

        // A: 3/1; new C (weight 2, idle): 1/2 → C, then C 2/2 = 1 → C, C 3/2 → C, C 4/2 = 2 → C, C 5/2 vs 3 → C, C 6/2 = 3 tie → A.
        service = Rebuilt(service, a, Server('C', 2));

        Assert.Equal("CCCCCA", Admit(service, 6));
    }

    [Fact]
    public void Schedule_NoUsableServer_ReturnsNull()
    {
        var service = Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None, Server('A', 0));

        Assert.Null(Pick(service, default));
        Assert.Null(Pick(Service(SchedulerNames.ShortestExpectedDelay, ServiceFlags.None), default));
    }
}
