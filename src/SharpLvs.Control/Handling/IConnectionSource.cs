using SharpLvs.Control.Listing;

namespace SharpLvs.Control.Handling;

/// <summary>Where <c>-Lc</c> reads the connection table: the daemon's data plane.</summary>
public interface IConnectionSource
{
    /// <summary>
    /// A snapshot of every connection entry, or null when the data plane did not answer in
    /// time (lvsadm then reports the failure rather than an empty table).
    /// </summary>
    IReadOnlyList<ConnectionView>? GetConnections();
}
