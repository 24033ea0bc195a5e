using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Services;

/// <summary>The next-hop requests of several workers: one single-producer lane each, drained together.</summary>
public class NextHopCacheTests
{
    [Fact]
    public void DrainRequests_TwoWorkersPostingAtOnce_EveryRequestOnce()
    {
        var cache = new NextHopCache(lanes: 2);
        var posted = 0;
        cache.RequestPosted = () => Interlocked.Increment(ref posted);

        void Post(int lane)
        {
            for (var i = 0; i < 500; i++)
            {
                cache.Request(InetAddress.FromV4(0xC6130000u + (uint)((lane * 1000) + i)), lane);
            }
        }

        var threads = new[] { new Thread(() => Post(0)), new Thread(() => Post(1)) };
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        var drained = new List<InetAddress>();
        cache.DrainRequests(drained);

        Assert.Equal(1000, drained.Count);
        Assert.Equal(1000, drained.Distinct().Count());
        Assert.Equal(1, posted);
    }

    [Fact]
    public void Request_LaneOutOfRange_FirstLane()
    {
        var cache = new NextHopCache(lanes: 1);

        cache.Request(InetAddress.Parse("198.19.0.1"), 5);
        var drained = new List<InetAddress>();
        cache.DrainRequests(drained);

        Assert.Equal([InetAddress.Parse("198.19.0.1")], drained);
    }
}
