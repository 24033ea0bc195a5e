using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_ovf.c: the highest weight among servers whose active connections
// do not exceed their weight (so a server takes weight + 1 connections before overflowing).
public class WeightedOverflowSchedulerTests
{
    [Fact]
    public void Schedule_Weights2And1_FillsTheHighestThenOverflows()
    {
        // A takes connections while active ≤ 2 (three of them), then B while active ≤ 1 (two), then none.
        var service = Service(SchedulerNames.WeightedOverflow, ServiceFlags.None, Server('A', 2), Server('B', 1));

        Assert.Equal("AAABB-", Admit(service, 6));
    }

    [Fact]
    public void Schedule_InactiveConnections_DoNotCount()
    {
        var a = Server('A', 1);
        Connect(a, active: 0, inactive: 10);
        var service = Service(SchedulerNames.WeightedOverflow, ServiceFlags.None, a, Server('B', 1));

        Assert.Equal('A', PickName(service, default));
    }

    [Fact]
    public void Schedule_EqualWeights_FirstInList()
    {
        var service = Service(SchedulerNames.WeightedOverflow, ServiceFlags.None, Server('A', 1), Server('B', 1));

        Assert.Equal("AABB-", Admit(service, 5));
    }

    [Fact]
    public void Schedule_OverloadedOrQuiesced_Skipped()
    {
        var a = Server('A', 5);
        Overload(a);
        var service = Service(SchedulerNames.WeightedOverflow, ServiceFlags.None, a, Server('B', 0), Server('C', 1));

        Assert.Equal('C', PickName(service, default));
    }

    [Fact]
    public void Schedule_ConnectionsClose_HighestTakesOverAgain()
    {
        var a = Server('A', 1);
        var service = Service(SchedulerNames.WeightedOverflow, ServiceFlags.None, a, Server('B', 1));
        Assert.Equal("AAB", Admit(service, 3));

        a.Unbind(inactive: false, template: false);

        Assert.Equal('A', PickName(service, default));
    }
}
