using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_fo.c: the highest weight among servers not overloaded, strictly
// greater to replace, so the first of equal weights wins; load plays no part.
public class WeightedFailoverSchedulerTests
{
    [Fact]
    public void Schedule_HighestWeightTakesEverything()
    {
        var service = Service(SchedulerNames.WeightedFailover, ServiceFlags.None, Server('A', 1), Server('B', 3), Server('C', 2));

        Assert.Equal("BBBBB", Admit(service, 5));
    }

    [Fact]
    public void Schedule_EqualWeights_FirstInList()
    {
        var service = Service(SchedulerNames.WeightedFailover, ServiceFlags.None, Server('A', 2), Server('B', 2));

        Assert.Equal("AAA", Admit(service, 3));
    }

    [Fact]
    public void Schedule_ActiveOverloaded_FailsOverToNextHighest()
    {
        var b = Server('B', 3);
        var service = Service(SchedulerNames.WeightedFailover, ServiceFlags.None, Server('A', 1), b, Server('C', 2));
        Assert.Equal('B', PickName(service, default));

        Overload(b);

        Assert.Equal('C', PickName(service, default));
    }

    [Fact]
    public void Schedule_ActiveQuiesced_FailsOverAndBackWhenRestored()
    {
        var b = Server('B', 3);
        var service = Service(SchedulerNames.WeightedFailover, ServiceFlags.None, Server('A', 1), b, Server('C', 2));

        b.Weight = 0;
        Assert.Equal('C', PickName(service, default));
        b.Weight = 3;

        Assert.Equal('B', PickName(service, default));
    }

    [Fact]
    public void Schedule_AllWeightsZero_ReturnsNull()
    {
        Assert.Null(Pick(Service(SchedulerNames.WeightedFailover, ServiceFlags.None, Server('A', 0), Server('B', 0)), default));
    }
}
