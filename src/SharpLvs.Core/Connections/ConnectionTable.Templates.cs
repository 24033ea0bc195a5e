using SharpLvs.Core.Services;

namespace SharpLvs.Core.Connections;

/// <summary>
/// Persistence templates in the connection table (ip_vs_conn.c with IP_VS_CONN_F_TEMPLATE,
/// ip_vs_check_template): entries keyed on the client (under the netmask) that bind it to a
/// real server for the persistence timeout.
/// </summary>
public sealed partial class ConnectionTable
{
    /// <summary>
    /// ip_vs_conn_new with IP_VS_CONN_F_TEMPLATE: a persistence template bound to
    /// <paramref name="server"/> (counted in its PersistConn), living <paramref name="timeoutMs"/>
    /// after the last connection it scheduled. Returns the entry's index, or -1 when the table is full.
    /// </summary>
    internal int AddTemplate(in FlowKey key, RealServer server, long timeoutMs, long nowMs)
    {
        var index = Take(key);
        if (index == Empty)
        {
            return Empty;
        }

        ref var entry = ref _entries[index];
        entry.Server = server;
        entry.Method = server.Method;
        entry.State = TcpState.None;
        entry.Flags = ConnectionFlags.InUse | ConnectionFlags.Template;
        server.Bind(inactive: false, template: true, Shared);
        Volatile.Write(ref _count, _count + 1);
        StartTimer(index, nowMs, nowMs + timeoutMs);
        return index;
    }

    /// <summary>The real server a template binds its client to.</summary>
    internal RealServer TemplateServer(int index) => _entries[index].Server!;

    /// <summary>
    /// ip_vs_conn_put on a template: its timer starts over with the template's timeout, so it
    /// lives for the persistence timeout after the last connection it scheduled.
    /// </summary>
    /// <remarks>
    /// The kernel keeps the timeout in the template (svc->timeout when it was made); here it
    /// is the service's current one, so <c>-E -p</c> applies to existing templates too.
    /// </remarks>
    internal void TouchTemplate(int index, long serviceTimeoutMs, long nowMs) =>
        RestartTimer(index, nowMs + ((_entries[index].Flags & ConnectionFlags.ExpireLater) != 0 ? ExpireLaterMs : serviceTimeoutMs));

    /// <summary>
    /// ip_vs_check_template's invalidation: the template's destination is gone or quiesced, so
    /// it is taken out of the hash (the kernel rehashes it under ports 0xffff, where no packet
    /// finds it) and left to its timer, still listed.
    /// </summary>
    internal void InvalidateTemplate(int index)
    {
        ref var entry = ref _entries[index];
        if ((entry.Flags & ConnectionFlags.Unhashed) != 0)
        {
            return;
        }

        UnlinkHash(index);
        entry.Flags |= ConnectionFlags.Unhashed;
        var key = entry.Key;
        entry.Key = new FlowKey(key.Protocol, key.Source, 0, key.Destination, 0xFFFF);
    }
}
