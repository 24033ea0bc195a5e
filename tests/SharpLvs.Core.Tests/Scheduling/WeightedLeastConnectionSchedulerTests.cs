using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

public class WeightedLeastConnectionSchedulerTests
{
    [Fact]
    public void Schedule_ComparesOverheadPerWeight()
    {
        // A: 256 / 1, B: 256 / 2 → B carries less per unit of weight.
        var a = Server('A', weight: 1);
        var b = Server('B', weight: 2);
        LeastConnectionSchedulerTests.Connect(a, active: 1, inactive: 0);
        LeastConnectionSchedulerTests.Connect(b, active: 1, inactive: 0);
        var service = Service(SchedulerNames.WeightedLeastConnection, a, b);

        Assert.Equal("B", Sequence(service, 1));
    }

    [Fact]
    public void Schedule_Tie_FirstInListWins()
    {
        var a = Server('A', weight: 1);
        var b = Server('B', weight: 2);
        LeastConnectionSchedulerTests.Connect(a, active: 1, inactive: 0);
        LeastConnectionSchedulerTests.Connect(b, active: 2, inactive: 0);
        var service = Service(SchedulerNames.WeightedLeastConnection, a, b);

        Assert.Equal("A", Sequence(service, 1));
    }

    [Fact]
    public void Schedule_WeightZero_NeverChosenEvenWhenIdle()
    {
        var a = Server('A', weight: 0);
        var b = Server('B', weight: 1);
        LeastConnectionSchedulerTests.Connect(b, active: 10, inactive: 0);
        var service = Service(SchedulerNames.WeightedLeastConnection, b, a);

        Assert.Equal("B", Sequence(service, 1));
    }

    [Fact]
    public void Schedule_AllQuiesced_ReturnsNull()
    {
        var service = Service(SchedulerNames.WeightedLeastConnection, Server('A', weight: 0));

        Assert.Equal("-", Sequence(service, 1));
    }

    [Fact]
    public void Schedule_Weights1And2_ConnectionsFollowOverheadPerWeight()
    {
        // Active connections bound as they come (256 each), h/w compared as h1·w2 > h2·w1:
        // (0,0) tie → A; (256,0) → B; (256,256): 256·2 > 256·1 → B; (256,512): 512 > 512 no → A;
        // (512,512) → B; (512,768): 1024 > 768 → B; (512,1024) tie → A.
        var service = Service(SchedulerNames.WeightedLeastConnection, Server('A', 1), Server('B', 2));

        Assert.Equal("ABBABBA", SchedulingKit.Admit(service, 7));
    }

    [Fact]
    public void Schedule_Overloaded_Skipped()
    {
        var a = Server('A', 5);
        SchedulingKit.Overload(a);
        var b = Server('B', 1);
        LeastConnectionSchedulerTests.Connect(b, active: 9, inactive: 0);
        var service = Service(SchedulerNames.WeightedLeastConnection, a, b);

        Assert.Equal("B", Sequence(service, 1));
    }
}
