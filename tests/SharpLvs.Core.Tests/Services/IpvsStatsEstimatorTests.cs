using SharpLvs.Core.Services;

namespace SharpLvs.Core.Tests.Services;

/// <summary>
/// Expectations worked out by hand from ip_vs_est.c: per 2-second sample
/// avg += ((delta &lt;&lt; 9) - avg) &gt;&gt; 2 for connections and packets (&lt;&lt; 4 for bytes), read as
/// (avg + 0x1FF) &gt;&gt; 10 (resp. (avg + 0xF) &gt;&gt; 5).
/// </summary>
public class IpvsStatsEstimatorTests
{
    /// <summary>One 2-second period of traffic: connections, packets in, packets out, bytes in, bytes out.</summary>
    private static void Traffic(IpvsStats stats, int connections, int inPackets, int outPackets, int inBytesPerPacket, int outBytesPerPacket)
    {
        for (var i = 0; i < connections; i++)
        {
            stats.CountConnection();
        }

        for (var i = 0; i < inPackets; i++)
        {
            stats.CountIn(inBytesPerPacket);
        }

        for (var i = 0; i < outPackets; i++)
        {
            stats.CountOut(outBytesPerPacket);
        }
    }

    [Fact]
    public void Estimate_SteadyTraffic_FollowsKernelSmoothing()
    {
        var stats = new IpvsStats();
        var seen = new List<IpvsRates>();
        for (var i = 0; i < 3; i++)
        {
            Traffic(stats, 100, 200, 0, 5, 0);
            stats.Estimate();
            seen.Add(stats.ReadRates());
        }

        // cps: avg 12800, 22400, 29600 -> 12, 22, 29; inpps: 25600, 44800, 59200 -> 25, 44, 58;
        // inbps (1000 B per sample): 4000, 7000, 9250 -> 125, 219, 289.
        Assert.Equal(new IpvsRates(12, 25, 0, 125, 0), seen[0]);
        Assert.Equal(new IpvsRates(22, 44, 0, 219, 0), seen[1]);
        Assert.Equal(new IpvsRates(29, 58, 0, 289, 0), seen[2]);
    }

    [Fact]
    public void Estimate_LongSteadyTraffic_ConvergesToPerSecondRate()
    {
        var stats = new IpvsStats();
        for (var i = 0; i < 100; i++)
        {
            Traffic(stats, 100, 200, 40, 5, 1500);
            stats.Estimate();
        }

        // 100 conns, 200 + 40 packets, 1000 + 60000 bytes per 2 s.
        Assert.Equal(new IpvsRates(50, 100, 20, 500, 30000), stats.ReadRates());
    }

    [Fact]
    public void Estimate_TrafficStops_DecaysByAQuarterPerSample()
    {
        var stats = new IpvsStats();
        for (var i = 0; i < 100; i++)
        {
            Traffic(stats, 100, 0, 0, 0, 0);
            stats.Estimate();
        }

        // Converged at avg 51197 (the step (51200 - avg) >> 2 is 0 below a difference of 4),
        // then 51197 + (-51197 >> 2) = 38397 -> 37, then 28797 -> 28.
        stats.Estimate();
        Assert.Equal(37UL, stats.ReadRates().ConnectionsPerSecond);
        stats.Estimate();
        Assert.Equal(28UL, stats.ReadRates().ConnectionsPerSecond);
    }

    [Fact]
    public void Zero_ResetsCountersAndEstimator()
    {
        var stats = new IpvsStats();
        for (var i = 0; i < 10; i++)
        {
            Traffic(stats, 100, 200, 0, 5, 0);
            stats.Estimate();
        }

        stats.Zero();

        Assert.Equal(default, stats.ReadRates());
        Assert.Equal(0, stats.Connections);

        // ip_vs_zero_estimator takes the current counters as the last sample: the next sample
        // sees only what came after -Z.
        stats.Estimate();
        Assert.Equal(default, stats.ReadRates());
        Traffic(stats, 100, 200, 0, 5, 0);
        stats.Estimate();
        Assert.Equal(new IpvsRates(12, 25, 0, 125, 0), stats.ReadRates());
    }

    [Fact]
    public void ReadRates_NoSample_Zero()
    {
        var stats = new IpvsStats();
        Traffic(stats, 5, 5, 5, 100, 100);

        Assert.Equal(default, stats.ReadRates());
    }
}
