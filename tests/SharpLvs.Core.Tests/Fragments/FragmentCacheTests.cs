using SharpLvs.Core.Fragments;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Fragments;

public class FragmentCacheTests
{
    private const long Now = 1_000;
    private static readonly InetAddress Source = InetAddress.Parse("198.18.2.10");
    private static readonly InetAddress Destination = InetAddress.Parse("198.18.0.100");

    [Fact]
    public void Reserve_ThenFind_GivesTheSameSlotUntilTheTimeout()
    {
        var cache = new FragmentCache(capacity: 16, timeoutMs: 100);
        var slot = cache.Reserve(Key(1), Now);

        Assert.Equal(slot, cache.Find(Key(1), Now + 99, out var expired));
        Assert.False(expired);
        Assert.Equal(-1, cache.Find(Key(1), Now + 100, out expired));
        Assert.True(expired);

        // Freed by the expired lookup: a second one finds nothing and says nothing.
        Assert.Equal(-1, cache.Find(Key(1), Now + 100, out expired));
        Assert.False(expired);
    }

    [Fact]
    public void Find_OtherIdentificationOrProtocol_Misses()
    {
        var cache = new FragmentCache(capacity: 16);
        cache.Reserve(Key(1), Now);

        Assert.Equal(-1, cache.Find(Key(2), Now, out _));
        Assert.Equal(-1, cache.Find(Key(1) with { Protocol = IpProtocols.Tcp }, Now, out _));
        Assert.Equal(-1, cache.Find(Key(1) with { Source = Destination }, Now, out _));
    }

    [Fact]
    public void Account_EveryByteSeenInAnyOrder_FreesTheSlot()
    {
        var cache = new FragmentCache(capacity: 16);
        var slot = cache.Reserve(Key(1), Now);

        cache.Account(slot, 0, 1480, moreFragments: true);
        cache.Account(slot, 2960, 48, moreFragments: false);
        Assert.Equal(slot, cache.Find(Key(1), Now, out _));
        cache.Account(slot, 1480, 1480, moreFragments: true);

        Assert.Equal(-1, cache.Find(Key(1), Now, out _));
        Assert.Equal(0, cache.CountLive(Now));
    }

    [Fact]
    public void Reserve_FullBucket_RefusedUntilASlotExpires()
    {
        var cache = new FragmentCache(capacity: FragmentCache.Ways, timeoutMs: 100);
        for (uint id = 0; id < FragmentCache.Ways; id++)
        {
            Assert.True(cache.Reserve(Key(id), Now) >= 0);
        }

        Assert.Equal(-1, cache.Reserve(Key(99), Now + 50));
        Assert.True(cache.Reserve(Key(99), Now + 100) >= 0);
        Assert.Equal(1, cache.CountLive(Now + 100));
    }

    [Fact]
    public void Reserve_LiveKeyAgain_StartsTheDatagramOver()
    {
        var cache = new FragmentCache(capacity: 16, timeoutMs: 100);
        var slot = cache.Reserve(Key(1), Now);
        cache.Account(slot, 0, 1480, moreFragments: true);

        var again = cache.Reserve(Key(1), Now + 50);

        Assert.Equal(slot, again);
        Assert.Equal(0, cache[again].Received);
        Assert.Equal(Now + 150, cache[again].ExpiresMs);
        Assert.Equal(1, cache.CountLive(Now + 50));
    }

    [Fact]
    public void Constructor_Capacity_RoundedUpToWholeBuckets()
    {
        Assert.Equal(4096, new FragmentCache().Capacity);
        Assert.Equal(8, new FragmentCache(capacity: 5).Capacity);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FragmentCache(capacity: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FragmentCache(timeoutMs: 0));
    }

    private static FragmentKey Key(uint id) => new(Source, Destination, IpProtocols.Udp, id);
}
