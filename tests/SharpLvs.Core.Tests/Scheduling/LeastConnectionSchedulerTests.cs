using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

public class LeastConnectionSchedulerTests
{
    [Fact]
    public void Schedule_PicksFewestConnectionsWeighingActiveAs256Inactive()
    {
        var a = Server('A');
        var b = Server('B');
        Connect(a, active: 1, inactive: 0);   // overhead 256
        Connect(b, active: 0, inactive: 255); // overhead 255
        var service = Service(SchedulerNames.LeastConnection, a, b);

        Assert.Equal("B", Sequence(service, 1));
    }

    [Fact]
    public void Schedule_Tie_FirstInListWins()
    {
        var service = Service(SchedulerNames.LeastConnection, Server('A'), Server('B'));

        Assert.Equal("AA", Sequence(service, 2));
    }

    [Fact]
    public void Schedule_WeightZero_IsSkipped()
    {
        var service = Service(SchedulerNames.LeastConnection, Server('A', weight: 0), Server('B'));

        Assert.Equal("B", Sequence(service, 1));
    }

    internal static void Connect(RealServer server, int active, int inactive)
    {
        for (var i = 0; i < active; i++)
        {
            server.Bind(inactive: false, template: false);
        }

        for (var i = 0; i < inactive; i++)
        {
            server.Bind(inactive: true, template: false);
        }
    }
}
