using SharpLvs.Core.Services;

namespace SharpLvs.Core.Connections;

/// <summary>
/// A forwarder below lvsd that carries the packets of connections lvsd has already placed
/// (nftables' flowtable, DPVS's flow offload): lvsd still schedules every new connection and
/// owns the table, the TCP state, timeouts, counters and listings; the offload only forwards
/// an offered flow's established packets, stamps when it last saw one and counts them per real
/// server. Every method runs on the data-plane worker's thread; <see cref="Offer"/> and
/// <see cref="Withdraw"/> run once per connection, never per packet.
/// </summary>
public interface IFlowOffload
{
    /// <summary>
    /// Offers the inbound flow of a connection bound to <paramref name="server"/>. True: the
    /// offload took it, and the table never offers it again (the offload may still fail to
    /// hold it or evict it later; its packets then simply stay on the slow path); every
    /// accepted flow is withdrawn exactly once. False: not now, the table may ask again at
    /// the connection's next packet, so a false answer must cost no system call.
    /// </summary>
    bool Offer(in FlowKey flow, RealServer server, IpvsStats serviceStats);

    /// <summary>Stops forwarding an offered flow (the connection expired, was removed or left ESTABLISHED).</summary>
    void Withdraw(in FlowKey flow, RealServer server);

    /// <summary>
    /// When the offload last forwarded a packet of the flow, on the worker's clock (ms); false
    /// when it never did or no longer holds the flow (evicted).
    /// </summary>
    bool TryGetLastSeen(in FlowKey flow, out long lastSeenMs);

    /// <summary>
    /// Called on every turn of the worker: follows real servers' next hops and deletions, and
    /// at least every 2 s adds what the offload forwarded to the servers', services' and
    /// <paramref name="totals"/>' counters.
    /// </summary>
    void Poll(long nowMs, IpvsStats totals);
}
