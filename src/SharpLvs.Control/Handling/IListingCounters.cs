using SharpLvs.Control.Listing;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Handling;

/// <summary>The runtime numbers a listing shows, supplied by the daemon from its data plane.</summary>
public interface IListingCounters
{
    /// <summary>Statistics of a virtual service (zero when unknown).</summary>
    ListingStats GetServiceStats(ServiceKey service);

    /// <summary>Connection counts and statistics of one real server (zero when unknown).</summary>
    DestinationCounts GetDestination(ServiceKey service, InetAddress address, ushort port);

    /// <summary>A FULLNAT local address's connections and refusals (zero when unknown).</summary>
    LocalAddressCounts GetLocalAddress(ServiceKey service, InetAddress address) => LocalAddressCounts.Zero;
}

/// <summary>Connections holding ports of a local address, and connections refused for want of one.</summary>
public sealed record LocalAddressCounts(uint Connections, ulong Conflicts)
{
    public static LocalAddressCounts Zero { get; } = new(0, 0);
}

/// <summary>ActiveConn, InActConn, PersistConn and statistics of a real server.</summary>
public sealed record DestinationCounts(uint Active, uint Inactive, uint Persistent, ListingStats Stats)
{
    public static DestinationCounts Zero { get; } = new(0, 0, 0, ListingStats.Zero);
}

/// <summary>Counters for a director with no data plane attached: everything zero.</summary>
public sealed class NoListingCounters : IListingCounters
{
    public static NoListingCounters Instance { get; } = new();

    public ListingStats GetServiceStats(ServiceKey service) => ListingStats.Zero;

    public DestinationCounts GetDestination(ServiceKey service, InetAddress address, ushort port) => DestinationCounts.Zero;
}
