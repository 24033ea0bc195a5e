using SharpLvs.Control.Handling;
using SharpLvs.Control.Listing;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Compiling;

/// <summary>Listing numbers read from the published service table (the data plane's live objects).</summary>
public sealed class ServiceTableCounters : IListingCounters
{
    private readonly ServiceTableHolder _holder;

    public ServiceTableCounters(ServiceTableHolder holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        _holder = holder;
    }

    public ListingStats GetServiceStats(ServiceKey service) =>
        _holder.Current.Find(service) is { } found ? Totals(found.Stats) : ListingStats.Zero;

    public DestinationCounts GetDestination(ServiceKey service, InetAddress address, ushort port)
    {
        if (_holder.Current.Find(service) is not { } found)
        {
            return DestinationCounts.Zero;
        }

        foreach (var server in found.RealServers)
        {
            if (server.Address == address && server.Port == port)
            {
                return new DestinationCounts(
                    Count(server.ActiveConnections), Count(server.InactiveConnections), Count(server.PersistentConnections), Totals(server.Stats));
            }
        }

        return DestinationCounts.Zero;
    }

    public LocalAddressCounts GetLocalAddress(ServiceKey service, InetAddress address)
    {
        if (_holder.Current.Find(service) is not { } found)
        {
            return LocalAddressCounts.Zero;
        }

        foreach (var pool in found.LocalAddresses)
        {
            if (pool.Address == address)
            {
                return new LocalAddressCounts(Count(pool.InUse(IpProtocols.Tcp) + pool.InUse(IpProtocols.Udp)), Count(pool.Exhausted));
            }
        }

        return LocalAddressCounts.Zero;
    }

    // Totals for --stats, and the estimator's rates (IpvsStats.Estimate, run by lvsd every 2 s) for --rate.
    private static ListingStats Totals(IpvsStats stats)
    {
        var rates = stats.ReadRates();
        return new(
            Count(stats.Connections), Count(stats.InPackets), Count(stats.OutPackets), Count(stats.InBytes), Count(stats.OutBytes),
            rates.ConnectionsPerSecond, rates.InPacketsPerSecond, rates.OutPacketsPerSecond, rates.InBytesPerSecond, rates.OutBytesPerSecond);
    }

    private static uint Count(int value) => value < 0 ? 0 : (uint)value;

    private static ulong Count(long value) => value < 0 ? 0 : (ulong)value;
}
