using System.Collections.Immutable;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_twos.c: total = Σ usable weights + 1; draw r mod total twice; a draw
// lands on the first server where r − Σ weights so far ≤ 0. With A 1, B 2, C 3 (total 7):
// r 0–1 → A, 2–3 → B, 4–6 → C. The second draw wins only if weight2·overhead1 > weight1·overhead2.
public class WeightedRandomTwosChoiceSchedulerTests
{
    private static VirtualService Twos(Random random, params RealServer[] servers) =>
        With(WeightedRandomTwosChoiceScheduler.Create(ImmutableArray.Create(servers), random), ServiceFlags.None, servers);

    [Theory]
    [InlineData(0, 6, 'A')] // A vs C, both idle: no strict win for C
    [InlineData(1, 2, 'A')] // A vs B idle
    [InlineData(2, 0, 'B')]
    [InlineData(4, 3, 'C')]
    [InlineData(6, 6, 'C')]
    public void Schedule_IdleServers_FirstDrawWins(long r1, long r2, char expected)
    {
        var service = Twos(new ScriptedRandom(r1, r2), Server('A', 1), Server('B', 2), Server('C', 3));

        Assert.Equal(expected, PickName(service, default));
    }

    [Fact]
    public void Schedule_SecondDrawLessLoadedPerWeight_Wins()
    {
        var a = Server('A', 1);
        var c = Server('C', 3);
        Connect(a, active: 1);           // 256 / 1
        Connect(c, active: 2);           // 512 / 3: less per weight
        var service = Twos(new ScriptedRandom(0, 5, 5, 0), a, Server('B', 2), c);

        Assert.Equal('C', PickName(service, default)); // draws A, C → C
        Assert.Equal('C', PickName(service, default)); // draws C, A → C stays
    }

    [Fact]
    public void Schedule_RandomDrawsAreModuloTotalPlusOne()
    {
        // 7 + 7k ≡ 0: a full 32-bit draw is reduced mod 7, as prandom_u32() % total.
        var service = Twos(new ScriptedRandom(7 * 1000 + 4, 7 * 2000 + 2), Server('A', 1), Server('B', 2), Server('C', 3));

        Assert.Equal('C', PickName(service, default));
    }

    [Fact]
    public void Schedule_OverloadedAndQuiesced_LeftOutOfTheDraw()
    {
        // Usable: B 2, C 3 → total 6; r 0–2 → B, 3–5 → C.
        var a = Server('A', 1);
        Overload(a);
        var service = Twos(new ScriptedRandom(2, 2, 3, 3), a, Server('B', 2), Server('C', 3), Server('D', 0));

        Assert.Equal("BC", Admit(service, 2));
    }

    [Fact]
    public void Schedule_NothingUsable_ReturnsNull()
    {
        var service = Twos(new ScriptedRandom(0, 0), Server('A', 0));

        Assert.Null(Pick(service, default));
    }

    [Fact]
    public void Schedule_FixedSeedUnderLoad_SharesFollowWeights()
    {
        // Connections stay open, so the two choices keep overhead / weight level: shares ≈ 1 : 2 : 3.
        var a = Server('A', 1);
        var b = Server('B', 2);
        var c = Server('C', 3);
        var service = Twos(new Random(20261122), a, b, c);

        Admit(service, 6000);

        Assert.InRange(a.ActiveConnections, 900, 1100);
        Assert.InRange(b.ActiveConnections, 1900, 2100);
        Assert.InRange(c.ActiveConnections, 2900, 3100);
    }

    [Fact]
    public void Schedule_FixedSeedIdle_FirstDrawDistributionHasTheKernelsExtraSlotForTheFirst()
    {
        // Nothing bound: every pick is the first draw, r uniform over 0..6 → A 2/7, B 2/7, C 3/7.
        var service = Twos(new Random(7), Server('A', 1), Server('B', 2), Server('C', 3));
        var counts = new Dictionary<char, int> { ['A'] = 0, ['B'] = 0, ['C'] = 0 };

        for (var i = 0; i < 70_000; i++)
        {
            counts[PickName(service, default)]++;
        }

        Assert.InRange(counts['A'], 19_000, 21_000);
        Assert.InRange(counts['B'], 19_000, 21_000);
        Assert.InRange(counts['C'], 29_000, 31_000);
    }

    /// <summary>Hands out the given draws, in turn, for the scheduler's NextInt64 calls.</summary>
    private sealed class ScriptedRandom(params long[] draws) : Random
    {
        private int _next;

        public override long NextInt64(long maxValue) => draws[_next++ % draws.Length];
    }
}
