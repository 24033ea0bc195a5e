using System.Collections.Immutable;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_mh.c: a 4093-slot table; per round each server (in list order)
// takes `turns` = (last_weight / gcd) >> shift slots (at least 1 for a non-zero weight),
// shift = max(0, fls(max / gcd) − 6); lookup by hsiphash(port + address) mod 4093.
public class MaglevHashingSchedulerTests
{
    private const int Size = MaglevHashingScheduler.TableSize;

    private static RealServer[] Servers(int count, int weight = 1) =>
        [.. Enumerable.Range(0, count).Select(i => new RealServer(InetAddress.FromV4(0xC6120100u + (uint)i + 1), 80, ForwardingMethod.DirectRouting, weight))];

    private static MaglevHashingScheduler Table(params RealServer[] servers) =>
        (MaglevHashingScheduler)MaglevHashingScheduler.Create(ImmutableArray.Create(servers), null);

    private static Dictionary<RealServer, int> Shares(MaglevHashingScheduler table)
    {
        var shares = new Dictionary<RealServer, int>(ReferenceEqualityComparer.Instance);
        foreach (var server in table.Lookup)
        {
            shares[server!] = shares.GetValueOrDefault(server!) + 1;
        }

        return shares;
    }

    [Fact]
    public void HalfSipHash_KernelTestVector_Matches()
    {
        // lib/tests/siphash_kunit.c: 64-bit hsiphash, key bytes 00..0f, input 00 01 02 03.
        Assert.Equal(0x88d38328u, SchedulingHash.HalfSipHash(0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL, 0x03020100u));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(10)]
    [InlineData(100)]
    public void Create_EqualWeights_SharesDifferByAtMostOne(int count)
    {
        var servers = Servers(count, weight: 3);

        var shares = Shares(Table(servers));

        Assert.Equal(count, shares.Count);
        Assert.Equal(Size, shares.Values.Sum());
        Assert.True(shares.Values.Max() - shares.Values.Min() <= 1);
        Assert.Equal(Size / count, shares.Values.Min());
    }

    [Fact]
    public void Create_Weights1And2_OneAndTwoSlotsPerRound()
    {
        // 4093 = 3 × 1364 + 1: A (first in list) also takes the last slot.
        var a = Server('A', 1);
        var b = Server('B', 2);

        var shares = Shares(Table(a, b));

        Assert.Equal(1365, shares[a]);
        Assert.Equal(2728, shares[b]);
    }

    [Fact]
    public void Create_LargeWeights_ShiftedDown()
    {
        // gcd 1, max 1000: fls(1000) = 10, shift 4 → turns 1 (1 >> 4 is 0, raised to 1) and 62.
        // Rounds of 63: 4093 = 64 × 63 + 61, so A takes 65 and B 64 × 62 + 60.
        var a = Server('A', 1);
        var b = Server('B', 1000);

        var shares = Shares(Table(a, b));

        Assert.Equal(65, shares[a]);
        Assert.Equal(4028, shares[b]);
    }

    [Fact]
    public void Create_ServerRemoved_OnlyItsShareAndFewOthersMove()
    {
        var servers = Servers(10);
        var before = Table(servers).Lookup.ToArray();
        var removed = servers[4];

        var after = Table([.. servers.Where(s => s != removed)]).Lookup.ToArray();

        var movedOfRemoved = 0;
        var movedOfOthers = 0;
        for (var slot = 0; slot < Size; slot++)
        {
            if (before[slot] == removed)
            {
                Assert.NotSame(removed, after[slot]);
                movedOfRemoved++;
            }
            else if (before[slot] != after[slot])
            {
                movedOfOthers++;
            }
        }

        // Maglev's promise is near-minimal disruption (NSDI 2016 §3.4): the removed server's
        // tenth moves, and only a small fraction of the other slots shuffles with it.
        Assert.InRange(movedOfRemoved, 409, 410);
        Assert.True(movedOfOthers < Size / 20, $"{movedOfOthers} slots of surviving servers moved");
    }

    [Fact]
    public void Create_ServerAddedWithWeightZero_GetsNoSlots()
    {
        var servers = Servers(3);
        var quiet = new RealServer(InetAddress.Parse("198.18.1.99"), 80, ForwardingMethod.DirectRouting, 0);

        var before = Table(servers).Lookup.ToArray();
        var after = Table([.. servers, quiet]).Lookup.ToArray();

        Assert.Equal(before, after);
    }

    [Fact]
    public void Schedule_QuiescedServer_KeepsItsSlotsAndIsSkipped()
    {
        var servers = Servers(3);
        var service = Service(SchedulerNames.MaglevHashing, ServiceFlags.None, servers);
        var client = FindClientOf(service, servers[1]);
        var before = ((MaglevHashingScheduler)service.Scheduler).Lookup.ToArray();

        servers[1].Weight = 0;
        service = Rebuilt(service, servers);

        Assert.Equal(before, ((MaglevHashingScheduler)service.Scheduler).Lookup.ToArray());
        Assert.Null(Pick(service, client));
        var fallback = Service(SchedulerNames.MaglevHashing, ServiceFlags.HashFallback, servers);
        var chosen = Pick(fallback, client);
        Assert.NotNull(chosen);
        Assert.NotSame(servers[1], chosen);
        Assert.Same(chosen, Pick(fallback, client));
    }

    [Fact]
    public void Schedule_Fallback_FollowsTheClientsOwnRehashSequence()
    {
        var servers = Servers(5);
        var service = Service(SchedulerNames.MaglevHashing, ServiceFlags.HashFallback, servers);
        var table = ((MaglevHashingScheduler)service.Scheduler).Lookup.ToArray();
        var client = FindClientOf(service, servers[2]);
        Overload(servers[2]);

        // ip_vs_mh_get_fallback: slot(offset) = hsiphash(((offset + home) mod 4093) + key) mod 4093.
        var key = SchedulingHash.Fold(client.Source);
        var home = MaglevHashingScheduler.Slot(key, 0);
        var expected = Enumerable.Range(0, Size)
            .Select(offset => table[MaglevHashingScheduler.Slot(key, (uint)((offset + home) % Size))])
            .First(server => server != servers[2]);

        Assert.Same(expected, Pick(service, client));
    }

    [Fact]
    public void Schedule_SameClient_StableAcrossPortsWithoutMhPort()
    {
        var service = Service(SchedulerNames.MaglevHashing, ServiceFlags.None, Servers(8));
        var first = Pick(service, From("198.18.5.1", 1000));

        for (ushort port = 1001; port < 1050; port++)
        {
            Assert.Same(first, Pick(service, From("198.18.5.1", port)));
        }
    }

    [Fact]
    public void Schedule_MhPort_SpreadsOneClientsPorts()
    {
        var service = Service(SchedulerNames.MaglevHashing, ServiceFlags.HashPort, Servers(8));

        var chosen = Enumerable.Range(1000, 200).Select(port => Pick(service, From("198.18.5.1", (ushort)port))).Distinct().Count();

        Assert.Equal(8, chosen);
    }

    [Fact]
    public void Schedule_NoWeights_ReturnsNull()
    {
        Assert.Null(Pick(Service(SchedulerNames.MaglevHashing, ServiceFlags.HashFallback, Servers(3, weight: 0)), From("198.18.5.1")));
        Assert.Null(Pick(Service(SchedulerNames.MaglevHashing, ServiceFlags.HashFallback), From("198.18.5.1")));
    }

    private static SharpLvs.Core.Connections.FlowKey FindClientOf(VirtualService service, RealServer server)
    {
        for (var i = 1; i < 4096; i++)
        {
            var flow = From($"198.18.{6 + (i >> 8)}.{i & 255}");
            if (Pick(service, flow) == server)
            {
                return flow;
            }
        }

        throw new InvalidOperationException("no client maps to the server");
    }
}
