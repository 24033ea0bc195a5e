namespace SharpLvs.Core.Services;

/// <summary>
/// The kernel's rate estimator (net/netfilter/ipvs/ip_vs_est.c): every 2 seconds the change of
/// each counter since the last sample becomes a rate, smoothed by an exponentially weighted
/// moving average with weight 1/4. Averages are kept scaled (rates per second × 2^10 for
/// connections and packets, × 2^5 for bytes) so integer arithmetic keeps the fractions; the
/// sample difference is shifted left by 9 (resp. 4) instead of 10 (resp. 5) because a sample
/// covers 2 seconds. <see cref="Estimate"/> runs on a timer off the packet path; the data-plane
/// thread never touches these fields.
/// </summary>
public sealed partial class IpvsStats
{
    /// <summary>ip_vs_est.c samples every 2 seconds (mod_timer(..., jiffies + 2*HZ)).</summary>
    public static readonly TimeSpan EstimatorInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _estimator = new();
    private long _lastConnections;
    private long _lastInPackets;
    private long _lastOutPackets;
    private long _lastInBytes;
    private long _lastOutBytes;
    private long _cps;
    private long _inPps;
    private long _outPps;
    private long _inBps;
    private long _outBps;

    /// <summary>One 2-second sample (estimation_timer / ip_vs_chain_estimation).</summary>
    public void Estimate()
    {
        lock (_estimator)
        {
            Sample(Connections, ref _lastConnections, ref _cps, 9);
            Sample(InPackets, ref _lastInPackets, ref _inPps, 9);
            Sample(OutPackets, ref _lastOutPackets, ref _outPps, 9);
            Sample(InBytes, ref _lastInBytes, ref _inBps, 4);
            Sample(OutBytes, ref _lastOutBytes, ref _outBps, 4);
        }
    }

    /// <summary>ip_vs_read_estimator: the averages unscaled, rounded as the kernel rounds them.</summary>
    public IpvsRates ReadRates()
    {
        lock (_estimator)
        {
            return new IpvsRates(
                Unscale(_cps, 0x1FF, 10),
                Unscale(_inPps, 0x1FF, 10),
                Unscale(_outPps, 0x1FF, 10),
                Unscale(_inBps, 0xF, 5),
                Unscale(_outBps, 0xF, 5));
        }
    }

    /// <summary>
    /// ip_vs_zero_estimator, called by ip_vs_zero_stats under the stats lock: the current
    /// counters become the last sample and every average restarts from zero.
    /// </summary>
    private void ZeroEstimator()
    {
        _lastConnections = Connections;
        _lastInPackets = InPackets;
        _lastOutPackets = OutPackets;
        _lastInBytes = InBytes;
        _lastOutBytes = OutBytes;
        _cps = _inPps = _outPps = _inBps = _outBps = 0;
    }

    private static void Sample(long now, ref long last, ref long average, int shift)
    {
        // rate = (now - last) << shift; e->x += ((s64)rate - (s64)e->x) >> 2 (arithmetic shift).
        var rate = (now - last) << shift;
        last = now;
        average += (rate - average) >> 2;
    }

    private static ulong Unscale(long average, long round, int shift) => average <= 0 ? 0 : (ulong)((average + round) >> shift);
}

/// <summary>Rates per second as ipvsadm <c>--rate</c> shows them (struct ip_vs_stats_user cps, inpps, outpps, inbps, outbps).</summary>
public readonly record struct IpvsRates(ulong ConnectionsPerSecond, ulong InPacketsPerSecond, ulong OutPacketsPerSecond, ulong InBytesPerSecond, ulong OutBytesPerSecond);
