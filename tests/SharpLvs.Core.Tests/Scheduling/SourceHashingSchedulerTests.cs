using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_sh.c: bucket = hash_32(port + address, 8) = ((port + address) ×
// 0x61C88647 mod 2^32) >> 24, worked out separately: 198.18.5.1 → 167, .2 → 9, .3 → 106,
// .4 → 204; 198.18.5.1 with port 1000 → 158, 1001 → 0, 40000 → 75. Buckets are dealt in list
// order, weight consecutive buckets each.
public class SourceHashingSchedulerTests
{
    private static RealServer[] Four() => [Server('A'), Server('B'), Server('C'), Server('D')];

    [Fact]
    public void Create_Weights_DealConsecutiveBucketsRoundAndRound()
    {
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.None, Server('A', 2), Server('B', 1), Server('C', 3));
        var scheduler = (SourceHashingScheduler)service.Scheduler;

        var first12 = new string([.. scheduler.Buckets[..12].ToArray().Select(NameOf)]);

        Assert.Equal("AABCCCAABCCC", first12);
        Assert.Equal('A', NameOf(scheduler.Buckets[252])); // 252 = 42 × 6
    }

    [Fact]
    public void Create_WeightZero_StillTakesOneBucket()
    {
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.None, Server('A'), Server('B', 0), Server('C'));
        var scheduler = (SourceHashingScheduler)service.Scheduler;

        Assert.Equal("ABCABC", new string([.. scheduler.Buckets[..6].ToArray().Select(NameOf)]));
    }

    [Theory]
    [InlineData("198.18.5.1", 'D')] // 167 mod 4 = 3
    [InlineData("198.18.5.2", 'B')] // 9 mod 4 = 1
    [InlineData("198.18.5.3", 'C')] // 106 mod 4 = 2
    [InlineData("198.18.5.4", 'A')] // 204 mod 4 = 0
    public void Schedule_Client_GoesToItsBucketsServer(string client, char expected)
    {
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.None, Four());

        Assert.Equal(expected, PickName(service, From(client, 1000)));
        Assert.Equal(expected, PickName(service, From(client, 1001)));
    }

    [Theory]
    [InlineData(1000, 'C')]  // 158 mod 4 = 2
    [InlineData(1001, 'A')]  // 0
    [InlineData(40000, 'D')] // 75 mod 4 = 3
    public void Schedule_ShPort_HashesThePortToo(ushort port, char expected)
    {
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.HashPort, Four());

        Assert.Equal(expected, PickName(service, From("198.18.5.1", port)));
    }

    [Fact]
    public void Schedule_Weighted_ClientFollowsTheDeal()
    {
        // Period 6 (A A B C C C): 204 mod 6 = 0 → A; 9 mod 6 = 3 → C.
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.None, Server('A', 2), Server('B', 1), Server('C', 3));

        Assert.Equal('A', PickName(service, From("198.18.5.4")));
        Assert.Equal('C', PickName(service, From("198.18.5.2")));
    }

    [Fact]
    public void Schedule_SameClient_StaysOnOneServerUnderLoad()
    {
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.None, Four());

        Assert.Equal("DDDDDDDDDD", Admit(service, 10, From("198.18.5.1")));
    }

    [Fact]
    public void Schedule_HashedServerUnavailable_NullWithoutFallback()
    {
        var servers = Four();
        servers[3].Weight = 0;
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.None, servers);

        Assert.Null(Pick(service, From("198.18.5.1")));
        Assert.Equal('B', PickName(service, From("198.18.5.2")));
    }

    [Fact]
    public void Schedule_ShFallback_WalksFromTwiceTheHomeBucket()
    {
        // Home 167 (D) unusable: the walk visits (167 + 167 + k) mod 256 = 78 (C), 79 (D), 80 (A), …
        var servers = Four();
        servers[3].Weight = 0;
        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.HashFallback, servers);
        Assert.Equal('C', PickName(service, From("198.18.5.1")));

        Overload(servers[2]);

        Assert.Equal('A', PickName(service, From("198.18.5.1")));
    }

    [Fact]
    public void Schedule_ShFallback_NothingAvailable_ReturnsNull()
    {
        var servers = Four();
        foreach (var server in servers)
        {
            server.Weight = 0;
        }

        var service = Service(SchedulerNames.SourceHashing, ServiceFlags.HashFallback, servers);

        Assert.Null(Pick(service, From("198.18.5.1")));
    }

    [Fact]
    public void Schedule_NoServers_ReturnsNull()
    {
        Assert.Null(Pick(Service(SchedulerNames.SourceHashing, ServiceFlags.HashFallback), From("198.18.5.1")));
    }
}
