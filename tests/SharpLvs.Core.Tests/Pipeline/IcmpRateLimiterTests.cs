using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Expectations from the kernel's algorithms with their defaults: inet_peer_xrlim_allow (a
/// token every 1000 ms for IPv4, 100 ms for IPv6, 6 at most, a new peer full) and icmp_global_allow (1000/s, 50 at most, refilled
/// no more often than every 20 ms).
/// </summary>
public class IcmpRateLimiterTests
{
    private const long T0 = 5_000_000;
    private static readonly InetAddress Host = InetAddress.Parse("198.18.2.10");

    [Fact]
    public void TryTake_NewHost_SixAtOnceThenOnePerInterval()
    {
        var limiter = new IcmpRateLimiter();

        var burst = Spell(limiter, Host, 8, T0);
        var at999 = Spell(limiter, Host, 1, T0 + 999);
        var at1000 = Spell(limiter, Host, 2, T0 + 1000);
        var at3500 = Spell(limiter, Host, 3, T0 + 3500);

        Assert.Equal("++++++HH", burst);
        Assert.Equal("H", at999);   // 999 ms of tokens: not yet one
        Assert.Equal("+H", at1000);
        Assert.Equal("++H", at3500); // 2.5 s: two tokens and a half kept
    }

    [Fact]
    public void TryTake_NewIpv6Host_SixAtOnceThenOnePerHundredMilliseconds()
    {
        var limiter = new IcmpRateLimiter();
        var host6 = InetAddress.Parse("fd00:198:18:2::10");

        var burst = Spell(limiter, host6, 7, T0);
        var at99 = Spell(limiter, host6, 1, T0 + 99);
        var at100 = Spell(limiter, host6, 2, T0 + 100);
        var idle = Spell(limiter, host6, 7, T0 + 60_000);

        Assert.Equal("++++++H", burst);
        Assert.Equal("H", at99);
        Assert.Equal("+H", at100);
        Assert.Equal("++++++H", idle);
    }

    [Fact]
    public void TryTake_HostIdleLong_BurstCappedAtSix()
    {
        var limiter = new IcmpRateLimiter();
        Spell(limiter, Host, 6, T0);

        Assert.Equal("++++++H", Spell(limiter, Host, 7, T0 + 100_000));
    }

    [Fact]
    public void TryTake_TwoHosts_EachHasItsOwnBucket()
    {
        var limiter = new IcmpRateLimiter();
        var other = InetAddress.Parse("fd00:198:18:2::10");

        Assert.Equal("++++++H", Spell(limiter, Host, 7, T0));
        Assert.Equal("++++++H", Spell(limiter, other, 7, T0));
    }

    [Fact]
    public void TryTake_ManyHosts_FiftyThenTwentyPerTwentyMilliseconds()
    {
        var limiter = new IcmpRateLimiter();

        var first = Many(limiter, 0, 60, T0);
        var at19 = Many(limiter, 100, 10, T0 + 19);
        var at20 = Many(limiter, 200, 30, T0 + 20);
        var atSecond = Many(limiter, 300, 100, T0 + 2000);

        Assert.Equal((50, 10), first);
        Assert.Equal((0, 10), at19);
        Assert.Equal((20, 10), at20);
        Assert.Equal((50, 50), atSecond); // a second's refill, capped at the burst
    }

    [Fact]
    public void TryTake_GlobalBudgetSpent_HostTokenNotTaken()
    {
        var limiter = new IcmpRateLimiter();
        Many(limiter, 0, 50, T0);

        Assert.Equal("G", Spell(limiter, Host, 1, T0));
        Assert.Equal("++++++", Spell(limiter, Host, 6, T0 + 1000));
    }

    private static string Spell(IcmpRateLimiter limiter, InetAddress host, int count, long nowMs)
    {
        var result = new char[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = limiter.TryTake(host, nowMs) switch
            {
                IcmpLimit.None => '+',
                IcmpLimit.Host => 'H',
                _ => 'G',
            };
        }

        return new string(result);
    }

    private static (int Allowed, int Global) Many(IcmpRateLimiter limiter, uint first, int count, long nowMs)
    {
        var (allowed, global) = (0, 0);
        for (var i = 0u; i < count; i++)
        {
            switch (limiter.TryTake(InetAddress.FromV4(0xC6130000u + first + i), nowMs))
            {
                case IcmpLimit.None:
                    allowed++;
                    break;
                case IcmpLimit.Global:
                    global++;
                    break;
            }
        }

        return (allowed, global);
    }
}
