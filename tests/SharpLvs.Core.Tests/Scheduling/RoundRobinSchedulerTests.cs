using SharpLvs.Core.Scheduling;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

public class RoundRobinSchedulerTests
{
    [Fact]
    public void Schedule_ThreeServers_TakesTurnsFromTheFirst()
    {
        var service = Service(SchedulerNames.RoundRobin, Server('A'), Server('B'), Server('C'));

        Assert.Equal("ABCABCA", Sequence(service, 7));
    }

    [Fact]
    public void Schedule_WeightZeroServer_IsSkipped()
    {
        var service = Service(SchedulerNames.RoundRobin, Server('A'), Server('B', weight: 0), Server('C'));

        Assert.Equal("ACACAC", Sequence(service, 6));
    }

    [Fact]
    public void Schedule_ServerQuiescedMidway_IsSkippedFromThenOn()
    {
        var b = Server('B');
        var service = Service(SchedulerNames.RoundRobin, Server('A'), b, Server('C'));
        Assert.Equal("AB", Sequence(service, 2));

        b.Weight = 0;

        Assert.Equal("CACA", Sequence(service, 4));
    }

    [Fact]
    public void Schedule_AllWeightsZero_ReturnsNull()
    {
        var service = Service(SchedulerNames.RoundRobin, Server('A', weight: 0), Server('B', weight: 0));

        Assert.Equal("--", Sequence(service, 2));
    }

    [Fact]
    public void Schedule_NoServers_ReturnsNull()
    {
        var service = Service(SchedulerNames.RoundRobin);

        Assert.Equal("-", Sequence(service, 1));
    }

    [Fact]
    public void Schedule_OverloadedServer_IsSkipped()
    {
        var a = Server('A');
        a.UpperThreshold = 1;
        a.Bind(inactive: false, template: false);
        var service = Service(SchedulerNames.RoundRobin, a, Server('B'));

        Assert.True(a.IsOverloaded);
        Assert.Equal("BBB", Sequence(service, 3));
    }

    [Fact]
    public void Create_ServerAddedAfterRebuild_ContinuesAfterLastChosen()
    {
        var a = Server('A');
        var b = Server('B');
        var c = Server('C');
        var first = Service(SchedulerNames.RoundRobin, a, b);
        Assert.Equal("AB", Sequence(first, 2));

        var second = Service(SchedulerNames.RoundRobin, first.Scheduler, a, b, c);

        Assert.Equal("CABC", Sequence(second, 4));
    }

    [Fact]
    public void Create_LastChosenRemoved_ContinuesWithItsSuccessor()
    {
        // ip_vs_rr_del_dest steps the cursor back to the deleted server's predecessor, so
        // the server after the deleted one is next.
        var a = Server('A');
        var b = Server('B');
        var c = Server('C');
        var first = Service(SchedulerNames.RoundRobin, a, b, c);
        Assert.Equal("AB", Sequence(first, 2));

        var second = Service(SchedulerNames.RoundRobin, first.Scheduler, a, c);

        Assert.Equal("CAC", Sequence(second, 3));
    }

    [Fact]
    public void Create_FirstServerRemovedWhenLastChosen_StartsFromTheHead()
    {
        var a = Server('A');
        var b = Server('B');
        var c = Server('C');
        var first = Service(SchedulerNames.RoundRobin, a, b, c);
        Assert.Equal("A", Sequence(first, 1));

        var second = Service(SchedulerNames.RoundRobin, first.Scheduler, b, c);

        Assert.Equal("BCB", Sequence(second, 3));
    }
}
