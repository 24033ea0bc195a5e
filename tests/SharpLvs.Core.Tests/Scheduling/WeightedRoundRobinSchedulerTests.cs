using SharpLvs.Core.Scheduling;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expected sequences are worked out by hand from ip_vs_wrr.c: di = gcd of positive weights,
// mw = max − (di − 1), cw starts at mw; each call scans onward from the current server for
// weight ≥ cw, and at the end of the list lowers cw by di (wrapping to mw below 1) and
// restarts from the head.
public class WeightedRoundRobinSchedulerTests
{
    [Fact]
    public void Schedule_Weights432_FollowsTheKernelPasses()
    {
        // di 1, mw 4. cw 4: A | cw 3: A B | cw 2: A B C | cw 1: A B C | wrap to 4: A ...
        var service = Service(SchedulerNames.WeightedRoundRobin, Server('A', 4), Server('B', 3), Server('C', 2));

        Assert.Equal("AABABCABC" + "AABABCABC", Sequence(service, 18));
    }

    [Fact]
    public void Schedule_WeightZeroServer_NeverChosen()
    {
        // A 2, B 0, C 1: di 1, mw 2. cw 2: A | cw 1: A C | wrap: cw 2: A | cw 1: A C
        var service = Service(SchedulerNames.WeightedRoundRobin, Server('A', 2), Server('B', 0), Server('C', 1));

        Assert.Equal("AAC" + "AAC" + "AAC", Sequence(service, 9));
    }

    [Fact]
    public void Schedule_CommonDivisor_StepsByIt()
    {
        // A 4, B 2: di 2, mw 4 − 1 = 3. cw 3: A | cw 1: A B | wrap to 3: A | cw 1: A B
        var service = Service(SchedulerNames.WeightedRoundRobin, Server('A', 4), Server('B', 2));

        Assert.Equal("AAB" + "AAB", Sequence(service, 6));
    }

    [Fact]
    public void Schedule_EqualWeights_IsRoundRobin()
    {
        var service = Service(SchedulerNames.WeightedRoundRobin, Server('A', 5), Server('B', 5), Server('C', 5));

        Assert.Equal("ABCABC", Sequence(service, 6));
    }

    [Fact]
    public void Schedule_AllWeightsZero_ReturnsNull()
    {
        var service = Service(SchedulerNames.WeightedRoundRobin, Server('A', 0), Server('B', 0));

        Assert.Equal("--", Sequence(service, 2));
    }

    [Fact]
    public void Schedule_OnlyServerOverloaded_ReturnsNullAndRecovers()
    {
        var a = Server('A', 2);
        a.UpperThreshold = 1;
        a.Bind(inactive: true, template: false);
        var service = Service(SchedulerNames.WeightedRoundRobin, a);

        Assert.Equal("--", Sequence(service, 2));

        a.Unbind(inactive: true, template: false);
        Assert.Equal("AA", Sequence(service, 2));
    }

    [Fact]
    public void Create_ServerAddedMidway_RestartsFromHeadKeepingTheWeightBar()
    {
        // A 1, B 1: di 1, mw 1, cw 1. After A, C is added: ip_vs_wrr_dest_changed moves the
        // cursor back to the head and keeps cw 1, so A comes again, then B C.
        var a = Server('A', 1);
        var b = Server('B', 1);
        var first = Service(SchedulerNames.WeightedRoundRobin, a, b);
        Assert.Equal("A", Sequence(first, 1));

        var second = Service(SchedulerNames.WeightedRoundRobin, first.Scheduler, a, b, Server('C', 1));

        Assert.Equal("ABCABC", Sequence(second, 6));
    }

    [Fact]
    public void Create_ServerRemovedMidway_KeepsTheWeightBar()
    {
        // A 4, B 3, C 2 runs A A B (now cw 3, at B). C is removed: di 1, mw 4, cw stays 3,
        // cursor to head. cw 3: A B | cw 2: A B | cw 1: A B | wrap cw 4: A | cw 3: A B
        var a = Server('A', 4);
        var b = Server('B', 3);
        var first = Service(SchedulerNames.WeightedRoundRobin, a, b, Server('C', 2));
        Assert.Equal("AAB", Sequence(first, 3));

        var second = Service(SchedulerNames.WeightedRoundRobin, first.Scheduler, a, b);

        Assert.Equal("AB" + "AB" + "AB" + "A" + "AB", Sequence(second, 9));
    }

    [Fact]
    public void Create_BarAboveNewMaximum_ResetsToMaximum()
    {
        // A 4, B 1 starts at cw 4. Re-weighting A to 2 gives mw 2 < cw 4, so cw becomes 2.
        // cw 2: A | cw 1: A B | wrap cw 2: A
        var a = Server('A', 4);
        var b = Server('B', 1);
        var first = Service(SchedulerNames.WeightedRoundRobin, a, b);
        Assert.Equal("A", Sequence(first, 1));

        a.Weight = 2;
        var second = Service(SchedulerNames.WeightedRoundRobin, first.Scheduler, a, b);

        Assert.Equal("AABA", Sequence(second, 4));
    }

    [Theory]
    [InlineData(new[] { 5, 3, 2, 1 })]
    [InlineData(new[] { 4, 6, 8 })]
    [InlineData(new[] { 1, 100 })]
    public void Schedule_LongRun_SharesEqualTheWeights(int[] weights)
    {
        // One full cycle of the bars gives each server exactly weight / gcd turns.
        var servers = weights.Select((w, i) => Server((char)('A' + i), w)).ToArray();
        var service = Service(SchedulerNames.WeightedRoundRobin, servers);
        var gcd = weights.Aggregate((a, b) => b == 0 ? a : System.Numerics.BigInteger.GreatestCommonDivisor(a, b) is var g ? (int)g : a);
        var cycle = weights.Sum() / gcd;

        var picks = Sequence(service, cycle * 50);

        for (var i = 0; i < weights.Length; i++)
        {
            Assert.Equal(weights[i] / gcd * 50, picks.Count(c => c == (char)('A' + i)));
        }
    }
}
