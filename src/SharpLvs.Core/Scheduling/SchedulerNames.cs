namespace SharpLvs.Core.Scheduling;

/// <summary>The kernel's scheduler names, as ipvsadm's <c>-s</c> takes them.</summary>
public static class SchedulerNames
{
    /// <summary>Round robin: each server in turn (ip_vs_rr.c).</summary>
    public const string RoundRobin = "rr";

    /// <summary>Weighted round robin: turns in proportion to weight (ip_vs_wrr.c).</summary>
    public const string WeightedRoundRobin = "wrr";

    /// <summary>Least connection: fewest active connections, counted as 256 × active + inactive (ip_vs_lc.c).</summary>
    public const string LeastConnection = "lc";

    /// <summary>Weighted least connection, ipvsadm's default: least connections per unit of weight (ip_vs_wlc.c).</summary>
    public const string WeightedLeastConnection = "wlc";

    /// <summary>Shortest expected delay: (active + 1) / weight (ip_vs_sed.c).</summary>
    public const string ShortestExpectedDelay = "sed";

    /// <summary>Never queue: an idle server if any, else shortest expected delay (ip_vs_nq.c).</summary>
    public const string NeverQueue = "nq";

    /// <summary>Locality-based least connection: a destination address keeps its server unless overloaded (ip_vs_lblc.c).</summary>
    public const string LocalityBasedLeastConnection = "lblc";

    /// <summary>Locality-based least connection with replication: a set of servers per destination address (ip_vs_lblcr.c).</summary>
    public const string LocalityBasedLeastConnectionWithReplication = "lblcr";

    /// <summary>Destination hashing: a static hash of the destination address (ip_vs_dh.c).</summary>
    public const string DestinationHashing = "dh";

    /// <summary>Source hashing: a static hash of the client address (ip_vs_sh.c).</summary>
    public const string SourceHashing = "sh";

    /// <summary>Maglev hashing: consistent hashing with minimal disruption (ip_vs_mh.c).</summary>
    public const string MaglevHashing = "mh";

    /// <summary>Weighted failover: the available server with the highest weight (ip_vs_fo.c).</summary>
    public const string WeightedFailover = "fo";

    /// <summary>Weighted overflow: the highest-weight server until its active connections exceed its weight (ip_vs_ovf.c).</summary>
    public const string WeightedOverflow = "ovf";

    /// <summary>Weighted random twos choice: the less loaded of two weighted random picks (ip_vs_twos.c).</summary>
    public const string WeightedRandomTwosChoice = "twos";
}
