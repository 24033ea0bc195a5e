using SharpLvs.Core.Services;

namespace SharpLvs.Core.Connections;

/// <summary>
/// The connection table's side of a flow offload (lvsd --fast-path): which connections are
/// handed down, when they are taken back, and how their timers follow packets lvsd never saw.
/// Only Direct-Routing connections are offered, and only in a state that the kernel's DR
/// (INPUT_ONLY) state table would not change on an ACK or data segment: TCP ESTABLISHED, UDP
/// from creation. SYN, FIN and RST never take the fast path, so every state change is still
/// lvsd's; a connection that leaves ESTABLISHED is withdrawn and finishes on the slow path.
/// </summary>
public sealed partial class ConnectionTable
{
    /// <summary>The offload connections are handed to; set before the worker starts (null: none).</summary>
    public IFlowOffload? FlowOffload { get; set; }

    /// <summary>After a packet moved the connection: offers it, or withdraws it once it no longer qualifies.</summary>
    internal void UpdateOffload(int index)
    {
        var offload = FlowOffload;
        ref var entry = ref _entries[index];
        if (offload is null || entry.Method != ForwardingMethod.DirectRouting || entry.Server is not { } server)
        {
            return;
        }

        var wanted = server.Available && (entry.Key.Protocol != Packets.IpProtocols.Tcp || entry.State == TcpState.Established);
        var offloaded = (entry.Flags & ConnectionFlags.Offloaded) != 0;
        if (wanted && !offloaded)
        {
            // Evicted flows (the offload's LRU) are not offered again: they stay on the slow path.
            if (offload.Offer(entry.Key, server, entry.ServiceStats!))
            {
                entry.Flags |= ConnectionFlags.Offloaded;
            }
        }
        else if (!wanted && offloaded)
        {
            offload.Withdraw(entry.Key, server);
            entry.Flags &= ~ConnectionFlags.Offloaded;
        }
    }

    /// <summary>
    /// At expiry of an offloaded connection: IPVS times a connection out a state's timeout
    /// after its last packet (ip_vs_conn_put restarts the timer per packet), so when the fast
    /// path forwarded one since, <paramref name="expiresMs"/> moves to what remains of the
    /// timeout after it and the caller files the entry again instead of expiring it.
    /// </summary>
    private bool TryRearmFromOffload(int index, long nowMs, ref long expiresMs)
    {
        ref var entry = ref _entries[index];
        if ((entry.Flags & ConnectionFlags.Offloaded) == 0 || FlowOffload is not { } offload
            || !offload.TryGetLastSeen(entry.Key, out var lastSeenMs))
        {
            return false;
        }

        var rearmed = lastSeenMs + TimeoutMilliseconds(ref entry);
        if (rearmed <= nowMs)
        {
            return false;
        }

        expiresMs = rearmed;
        return true;
    }

    /// <summary>
    /// The expiry -Lc shows and the connection dump saves: an offloaded connection's counts
    /// from its last fast-path packet when that is later.
    /// </summary>
    private long ListedExpiry(int index)
    {
        ref var entry = ref _entries[index];
        var expiresMs = ExpiresMs(index);
        if ((entry.Flags & ConnectionFlags.Offloaded) != 0 && FlowOffload is { } offload
            && offload.TryGetLastSeen(entry.Key, out var lastSeenMs))
        {
            return Math.Max(expiresMs, lastSeenMs + TimeoutMilliseconds(ref entry));
        }

        return expiresMs;
    }

    private void WithdrawOffload(ref ConnectionEntry entry)
    {
        if ((entry.Flags & ConnectionFlags.Offloaded) != 0 && entry.Server is { } server)
        {
            FlowOffload?.Withdraw(entry.Key, server);
        }
    }

    private long TimeoutMilliseconds(ref ConnectionEntry entry) =>
        entry.Key.Protocol == Packets.IpProtocols.Tcp ? Timeouts.TcpMilliseconds(entry.State) : Timeouts.UdpMilliseconds;
}
