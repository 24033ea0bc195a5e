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

    [Fact]
    public void Schedule_ConnectionsOpened_SpreadsByOverhead()
    {
        // Bound as active (256 each): A 0, B 0 → A; A 256 → B; tie → A; … strict alternation,
        // and a server with 300 inactive (overhead 300) only gets a turn once the others pass 300.
        var c = Server('C');
        Connect(c, active: 0, inactive: 300);
        var service = Service(SchedulerNames.LeastConnection, Server('A'), Server('B'), c);

        Assert.Equal("ABABC", SchedulingKit.Admit(service, 5));
    }

    [Fact]
    public void Schedule_Overloaded_SkippedUntilBelowLowerThreshold()
    {
        var a = Server('A');
        a.UpperThreshold = 2;
        a.LowerThreshold = 1;
        Connect(a, active: 0, inactive: 2);
        var b = Server('B');
        Connect(b, active: 3, inactive: 0);
        var service = Service(SchedulerNames.LeastConnection, a, b);
        Assert.Equal('B', SchedulingKit.PickName(service, default));

        a.Unbind(inactive: true, template: false); // 1, not below 1
        Assert.Equal('B', SchedulingKit.PickName(service, default));
        a.Unbind(inactive: true, template: false); // 0 < 1: cleared

        Assert.Equal('A', SchedulingKit.PickName(service, default));
    }

    [Fact]
    public void Schedule_ServerAddedMidway_IdleNewcomerTakesOver()
    {
        var a = Server('A');
        var service = Service(SchedulerNames.LeastConnection, a);
        Assert.Equal("AA", SchedulingKit.Admit(service, 2));

        service = SchedulingKit.Rebuilt(service, Server('D'), a);

        Assert.Equal("DDDA", SchedulingKit.Admit(service, 4)); // D 0, 256, 512 (ties go to D, first) against A 512
    }
}
