using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>Which limit held an ICMP error back, if any.</summary>
internal enum IcmpLimit : byte
{
    None = 0,

    /// <summary>icmp_global_allow: the director's own budget is spent (ICMP_MIB_RATELIMITGLOBAL).</summary>
    Global,

    /// <summary>inet_peer_xrlim_allow: this destination had its share (ICMP_MIB_RATELIMITHOST).</summary>
    Host,
}

/// <summary>
/// The kernel's two limits on the ICMP errors a host sends (net/ipv4/icmp.c, net/ipv6/icmp.c),
/// with their default settings, so that a flood of packets to a dead service cannot make the
/// director an ICMP amplifier:
/// <list type="bullet">
/// <item>icmp_global_allow: net.ipv4.icmp_msgs_per_sec (1000) refilled at most every HZ/50,
/// with a burst of icmp_msgs_burst (50), IPv4 and IPv6 together;</item>
/// <item>icmpv4_xrlim_allow / icmpv6_xrlim_allow → inet_peer_xrlim_allow: one error per
/// destination every net.ipv4.icmp_ratelimit (1000 ms) or net.ipv6.icmp.ratelimit (100 ms,
/// the default since the kernel dropped its per-prefix scaling, upstream 0201eedb69b2), in
/// bursts of XRLIM_BURST_FACTOR (6).</item>
/// </list>
/// The kernel's peers live in a tree; here destinations share a fixed table indexed by a hash
/// of the address, and a destination that finds its slot taken by another starts afresh, as a
/// new inet_peer does (full burst). A flood from spoofed sources is still held by the global
/// budget. One limiter per worker: the bound is per data-plane worker.
/// </summary>
/// <remarks>Used on its worker's thread only; never allocates.</remarks>
internal sealed class IcmpRateLimiter
{
    public const int MessagesPerSecond = 1000;
    public const int MessagesBurst = 50;
    public const long HostIntervalMs = 1000;
    public const long Ipv6HostIntervalMs = 100;
    public const int HostBurst = 6;

    /// <summary>HZ/50: icmp_global_allow adds credit no more often.</summary>
    private const long GlobalRefillMs = 20;

    /// <summary>inet_getpeer sets a new peer's rate_last 60 s back: its bucket starts full.</summary>
    private const long NewPeerAgeMs = 60_000;

    private const int HostSlotBits = 10;

    private readonly HostBucket[] _hosts = new HostBucket[1 << HostSlotBits];
    private long _globalCredit = MessagesBurst;
    private long _globalStampMs = long.MinValue;

    /// <summary>
    /// Whether an error to <paramref name="destination"/> may go now; takes a token from both
    /// buckets when it may (icmp_global_allow, then xrlim_allow, then icmp_global_consume).
    /// </summary>
    public IcmpLimit TryTake(InetAddress destination, long nowMs)
    {
        RefillGlobal(nowMs);
        if (_globalCredit <= 0)
        {
            return IcmpLimit.Global;
        }

        ref var host = ref _hosts[Slot(destination)];
        if (!host.InUse || host.Address != destination)
        {
            host = new HostBucket { Address = destination, InUse = true, Tokens = 0, LastMs = nowMs - NewPeerAgeMs };
        }

        var interval = destination.IsIPv4 ? HostIntervalMs : Ipv6HostIntervalMs;
        var tokens = host.Tokens + Math.Max(0, nowMs - host.LastMs);
        host.LastMs = nowMs;
        tokens = Math.Min(tokens, HostBurst * interval);
        if (tokens < interval)
        {
            host.Tokens = tokens;
            return IcmpLimit.Host;
        }

        host.Tokens = tokens - interval;
        _globalCredit--;
        return IcmpLimit.None;
    }

    private void RefillGlobal(long nowMs)
    {
        if (_globalStampMs == long.MinValue)
        {
            _globalStampMs = nowMs;
            return;
        }

        var elapsed = Math.Min(nowMs - _globalStampMs, 1000);
        if (elapsed < GlobalRefillMs)
        {
            return;
        }

        _globalCredit = Math.Min(_globalCredit + (MessagesPerSecond * elapsed / 1000), MessagesBurst);
        _globalStampMs = nowMs;
    }

    private static int Slot(InetAddress address) =>
        (int)(((uint)address.GetHashCode() * 0x9E3779B1u) >> (32 - HostSlotBits));

    private struct HostBucket
    {
        public InetAddress Address;
        public long Tokens;
        public long LastMs;
        public bool InUse;
    }
}
