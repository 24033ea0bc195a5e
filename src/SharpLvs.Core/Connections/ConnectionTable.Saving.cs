using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Connections;

/// <summary>
/// Saving the table at a clean stop and loading it at the next start (lvsd's connection dump),
/// so that established connections survive a restart. Both walk the table: control path
/// only, on the owning worker's thread (DataPlaneWorker.InvokeAsync); the packet path is not
/// touched.
/// </summary>
public sealed partial class ConnectionTable
{
    /// <summary>
    /// Appends every live entry whose real server is still in <paramref name="table"/> to
    /// <paramref name="into"/>, templates first (so a connection names an earlier template),
    /// with the time left at <paramref name="nowMs"/>. Returns how many were left out
    /// (real server deleted, or an invalidated template waiting for its timer).
    /// </summary>
    public int Save(List<SavedConnection> into, ServiceTable table, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(table);
        var serviceOf = new Dictionary<RealServer, VirtualService>(ReferenceEqualityComparer.Instance);
        foreach (var service in table.Services)
        {
            foreach (var server in service.RealServers)
            {
                serviceOf[server] = service;
            }
        }

        var templates = new Dictionary<int, int>();
        var skipped = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            var wantTemplates = pass == 0;
            for (var i = 0; i < _fresh; i++)
            {
                ref var entry = ref _entries[i];
                if ((entry.Flags & ConnectionFlags.InUse) == 0 || ((entry.Flags & ConnectionFlags.Template) != 0) != wantTemplates)
                {
                    continue;
                }

                if ((entry.Flags & ConnectionFlags.Unhashed) != 0 || entry.Server is not { Available: true } server
                    || !serviceOf.TryGetValue(server, out var service))
                {
                    skipped++;
                    continue;
                }

                var template = -1;
                if (!wantTemplates && entry.Control > 0 && templates.TryGetValue(entry.Control - 1, out var saved))
                {
                    template = saved;
                }

                if (wantTemplates)
                {
                    templates[i] = into.Count;
                }

                into.Add(ToSaved(ref entry, service.Key, server, template, ListedExpiry(i) - nowMs));
            }
        }

        return skipped;
    }

    private static SavedConnection ToSaved(ref ConnectionEntry entry, ServiceKey service, RealServer server, int template, long remainingMs)
    {
        var flags = SavedConnectionFlags.None;
        flags |= (entry.Flags & ConnectionFlags.Template) != 0 ? SavedConnectionFlags.Template : 0;
        flags |= (entry.Flags & ConnectionFlags.Inactive) != 0 ? SavedConnectionFlags.Inactive : 0;
        flags |= (entry.Flags & ConnectionFlags.NoOutput) != 0 ? SavedConnectionFlags.NoOutput : 0;
        flags |= (entry.Flags & ConnectionFlags.ExpireLater) != 0 ? SavedConnectionFlags.ExpireLater : 0;
        flags |= (entry.Flags & ConnectionFlags.HasReplyKey) != 0 ? SavedConnectionFlags.ReplyKey : 0;
        flags |= entry.LocalPool is not null ? SavedConnectionFlags.LocalAddress : 0;
        return new SavedConnection(
            entry.Key,
            service,
            server.Address,
            server.Port,
            entry.Method,
            entry.State,
            flags,
            Math.Max(0, remainingMs),
            template,
            (flags & SavedConnectionFlags.ReplyKey) != 0 ? entry.ReplyKey : default,
            entry.LocalPool?.Address ?? default);
    }

    /// <summary>
    /// Puts saved entries back: each whose virtual service and real server (same address,
    /// port and forwarding method, still available) exist in <paramref name="table"/> and
    /// whose time left, less <paramref name="elapsedMs"/> (how long lvsd was down), has not run
    /// out; with <paramref name="owns"/> (several workers), only the entries it picks, the
    /// others being left to the workers that own them and not counted here. Real-server counts, template links, the reply index and FULLNAT ports are rebuilt
    /// as if the entries had been created here. A flow already in the table wins.
    /// </summary>
    public ConnectionRestoreCounts Restore(
        IReadOnlyList<SavedConnection> saved, ServiceTable table, long nowMs, long elapsedMs, Func<SavedConnection, bool>? owns = null)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(table);
        var placed = new int[saved.Count];
        int restored = 0, expired = 0, noService = 0, noServer = 0, conflicts = 0, full = 0;
        for (var n = 0; n < saved.Count; n++)
        {
            placed[n] = Empty;
            var s = saved[n];
            if (owns is not null && !owns(s))
            {
                continue;
            }

            var remaining = s.RemainingMs - Math.Max(0, elapsedMs);
            if (remaining <= 0)
            {
                expired++;
                continue;
            }

            if (table.Find(s.Service) is not { } service)
            {
                noService++;
                continue;
            }

            var server = FindServer(service, s);
            var forwarder = s.IsTemplate ? null : Forwarders.For(s.Method);
            if (server is null || (!s.IsTemplate && forwarder is null))
            {
                noServer++;
                continue;
            }

            var template = s.IsTemplate ? ConnectionFlags.Template : ConnectionFlags.None;
            if (Find(s.Key, template) != Empty
                || ((s.Flags & SavedConnectionFlags.ReplyKey) != 0 && LookupReply(s.ReplyKey) != Empty))
            {
                conflicts++;
                continue;
            }

            LocalAddressPool? pool = null;
            if ((s.Flags & SavedConnectionFlags.LocalAddress) != 0)
            {
                pool = FindPool(service, s.LocalAddress);
                if (pool is null)
                {
                    noServer++;
                    continue;
                }

                if (!pool.TryReserve(s.ReplyKey.Protocol, s.ReplyKey.DestinationPort, Shared))
                {
                    conflicts++;
                    continue;
                }
            }

            var index = Take(s.Key);
            if (index == Empty)
            {
                pool?.Release(s.ReplyKey.Protocol, s.ReplyKey.DestinationPort, Shared);
                full++;
                continue;
            }

            Fill(index, s, server, s.IsTemplate ? null : service.Stats);
            if (s.Template >= 0 && s.Template < n && placed[s.Template] != Empty)
            {
                _entries[index].Control = placed[s.Template] + 1;
                _entries[placed[s.Template]].Control++;
            }

            if ((s.Flags & SavedConnectionFlags.ReplyKey) != 0)
            {
                SetReplyKey(index, s.ReplyKey, pool);
            }

            Volatile.Write(ref _count, _count + 1);
            StartTimer(index, nowMs, nowMs + remaining);
            placed[n] = index;
            restored++;
        }

        return new ConnectionRestoreCounts(restored, expired, noService, noServer, conflicts, full);
    }

    private void Fill(int index, in SavedConnection s, RealServer server, IpvsStats? serviceStats)
    {
        ref var entry = ref _entries[index];
        var inactive = !s.IsTemplate && (s.Flags & SavedConnectionFlags.Inactive) != 0;
        entry.Server = server;
        entry.ServiceStats = serviceStats;
        entry.Method = s.Method;
        entry.State = s.State;
        entry.Flags = ConnectionFlags.InUse;
        entry.Flags |= s.IsTemplate ? ConnectionFlags.Template : 0;
        entry.Flags |= inactive ? ConnectionFlags.Inactive : 0;
        entry.Flags |= (s.Flags & SavedConnectionFlags.NoOutput) != 0 ? ConnectionFlags.NoOutput : 0;
        entry.Flags |= s.IsTemplate && (s.Flags & SavedConnectionFlags.ExpireLater) != 0 ? ConnectionFlags.ExpireLater : 0;
        server.Bind(inactive, s.IsTemplate, Shared);
    }

    private static RealServer? FindServer(VirtualService service, in SavedConnection s)
    {
        foreach (var server in service.RealServers)
        {
            if (server.Address == s.ServerAddress && server.Port == s.ServerPort)
            {
                // A connection keeps the transmitter it was created with; one whose real
                // server now forwards another way cannot be carried on honestly.
                return server.Available && server.Method == s.Method ? server : null;
            }
        }

        return null;
    }

    private static LocalAddressPool? FindPool(VirtualService service, InetAddress address)
    {
        foreach (var pool in service.LocalAddresses)
        {
            if (pool.Address == address)
            {
                return pool;
            }
        }

        return null;
    }
}
