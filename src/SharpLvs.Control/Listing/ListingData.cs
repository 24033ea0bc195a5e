using SharpLvs.Control.Rules;
using SharpLvs.Packets;

namespace SharpLvs.Control.Listing;

/// <summary>
/// What a listing prints, as plain data: the rules plus the runtime numbers the daemon fills
/// in (connection counts, statistics). lvsd builds it; lvsadm formats it, so that name
/// lookups for a listing without -n happen in lvsadm, as in ipvsadm.
/// </summary>
/// <param name="Services">Services in the rule set's order; the formatter sorts unless --nosort.</param>
/// <param name="ConnectionTableSize">The "size=" of the header (the kernel's IP_VS_CONN_TAB_SIZE).</param>
/// <param name="Version">IPVS version shown in the header.</param>
public sealed record ListingData(IReadOnlyList<ServiceView> Services, int ConnectionTableSize = 4096, string Version = "1.2.1");

/// <summary>A virtual service with its statistics and real servers.</summary>
public sealed record ServiceView(ServiceRule Rule, ListingStats Stats, IReadOnlyList<DestinationView> Destinations)
{
    /// <summary>FULLNAT local addresses with their counts, in the order added.</summary>
    public IReadOnlyList<LocalAddressView> LocalAddresses { get; init; } = [];
}

/// <summary>
/// A FULLNAT local address as DPVS's ipvsadm lists it (<c>--get-laddr</c>): its connections,
/// and its "conflicts", here the connections refused because every port of it was held.
/// </summary>
public sealed record LocalAddressView(InetAddress Address, ulong Conflicts, uint Connections);

/// <summary>A real server with its connection counts (ActiveConn, InActConn, PersistConn) and statistics.</summary>
public sealed record DestinationView(
    DestinationRule Rule,
    uint ActiveConnections,
    uint InactiveConnections,
    uint PersistentConnections,
    ListingStats Stats);

/// <summary>ipvsadm's stats64: totals (--stats) and rates per second (--rate).</summary>
public sealed record ListingStats(
    ulong Connections = 0,
    ulong InPackets = 0,
    ulong OutPackets = 0,
    ulong InBytes = 0,
    ulong OutBytes = 0,
    ulong ConnectionsPerSecond = 0,
    ulong InPacketsPerSecond = 0,
    ulong OutPacketsPerSecond = 0,
    ulong InBytesPerSecond = 0,
    ulong OutBytesPerSecond = 0)
{
    public static ListingStats Zero { get; } = new();
}
