using System.Collections.Immutable;
using System.Numerics;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using CoreServiceFlags = SharpLvs.Core.Services.ServiceFlags;

namespace SharpLvs.Control.Compiling;

/// <summary>
/// Turns the desired rules into the data plane's <see cref="ServiceTable"/>. A real server or
/// service that still exists keeps its object, as the kernel edits ip_vs_dest and
/// ip_vs_service in place, so counters and the connections bound to it survive an edit; a
/// real server that disappeared is marked unavailable (IP_VS_DEST_F_AVAILABLE cleared) so
/// its remaining connections stop. Schedulers are rebuilt for every service, handed the old
/// one so they carry their position over. Call it from one thread at a time (the control
/// side), since it updates the live real-server objects.
/// </summary>
public static class ServiceTableCompiler
{
    /// <param name="rules">The rules to run.</param>
    /// <param name="previous">The table now published (whose objects are reused).</param>
    /// <param name="arpAnswers">ARP answers for the new table; null keeps the previous table's.</param>
    /// <param name="schedulers">Where schedulers come from; <see cref="SchedulerRegistry.Default"/> when null.</param>
    /// <param name="compiledFrom">The rules <paramref name="previous"/> was compiled from, when known: a
    /// service whose rule and destinations are equal there keeps its whole VirtualService
    /// (scheduler included), so one change among 10,000 services rebuilds one service.</param>
    public static ServiceTable Compile(
        RuleSetView rules,
        ServiceTable previous,
        IEnumerable<ArpAnswer>? arpAnswers = null,
        SchedulerRegistry? schedulers = null,
        RuleSetView? compiledFrom = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(previous);
        schedulers ??= SchedulerRegistry.Default;
        var kept = new HashSet<RealServer>(ReferenceEqualityComparer.Instance);
        var services = new List<VirtualService>(rules.Services.Count);
        var before = Unchanged.Index(compiledFrom);

        // One port pool per local address, shared by the services that name it and kept
        // across compilations, so connections and their ports survive rule edits.
        var pools = previous.Services.SelectMany(s => s.LocalAddresses).Distinct().ToDictionary(p => p.Address);
        foreach (var entry in rules.Services)
        {
            var old = previous.Find(entry.Service.Key);
            if (old is not null && Unchanged.Is(before, entry, old))
            {
                // Its real servers are all kept: they need not go through the kept set.
                services.Add(old);
                continue;
            }
            var servers = ImmutableArray.CreateBuilder<RealServer>(entry.Destinations.Count);
            foreach (var destination in entry.Destinations)
            {
                var server = Reuse(old, destination) ?? new RealServer(destination.Address, destination.Port, destination.Forwarding, Math.Max(0, destination.Weight));
                Update(server, destination);
                kept.Add(server);
                servers.Add(server);
            }

            var locals = entry.LocalAddresses.Select(address => pools.TryGetValue(address, out var pool) ? pool : pools[address] = new LocalAddressPool(address));
            services.Add(Build(schedulers, entry.Service, servers.MoveToImmutable(), old, [.. locals]));
        }

        var table = new ServiceTable(services, arpAnswers ?? previous.ArpAnswers, rules.Tunables, new FirewallMarkClassifier(rules.Marks));
        foreach (var oldService in previous.Services)
        {
            if (ReferenceEquals(table.Find(oldService.Key), oldService))
            {
                continue;
            }

            foreach (var server in oldService.RealServers)
            {
                if (!kept.Contains(server))
                {
                    server.Available = false;
                }
            }
        }

        return table;
    }

    private static VirtualService Build(
        SchedulerRegistry schedulers,
        ServiceRule rule,
        ImmutableArray<RealServer> servers,
        VirtualService? old,
        ImmutableArray<LocalAddressPool> localAddresses)
    {
        var previousScheduler = old is not null && old.SchedulerName == rule.Scheduler ? old.Scheduler : null;
        var scheduler = schedulers.IsKnown(rule.Scheduler)
            ? schedulers.Create(rule.Scheduler, servers, previousScheduler)
            : NoneScheduler.Instance;
        var flags = CoreServiceFlags.None;
        if ((rule.Flags & ServiceRuleFlags.Persistent) != 0)
        {
            flags |= CoreServiceFlags.Persistent;
        }

        if ((rule.Flags & ServiceRuleFlags.OnePacket) != 0)
        {
            flags |= CoreServiceFlags.OnePacket;
        }

        // -b: the scheduler reads its own flags (sh-fallback, sh-port, mh-fallback, mh-port).
        if ((rule.Flags & ServiceRuleFlags.Scheduler1) != 0)
        {
            flags |= CoreServiceFlags.SchedulerFlag1;
        }

        if ((rule.Flags & ServiceRuleFlags.Scheduler2) != 0)
        {
            flags |= CoreServiceFlags.SchedulerFlag2;
        }

        if ((rule.Flags & ServiceRuleFlags.Scheduler3) != 0)
        {
            flags |= CoreServiceFlags.SchedulerFlag3;
        }

        var persistent = (flags & CoreServiceFlags.Persistent) != 0;
        return new VirtualService(
            rule.Key,
            rule.Scheduler,
            scheduler,
            servers,
            flags,
            persistent ? (int)Math.Min(rule.Timeout, int.MaxValue) : 0,
            persistent ? PrefixLength(rule) : 0,
            old?.Stats,
            persistent && !rule.IsIPv6 ? rule.Netmask : null)
        {
            LocalAddresses = localAddresses,
        };
    }

    private static RealServer? Reuse(VirtualService? old, DestinationRule destination)
    {
        if (old is null)
        {
            return null;
        }

        foreach (var server in old.RealServers)
        {
            if (server.Address == destination.Address && server.Port == destination.Port)
            {
                return server;
            }
        }

        return null;
    }

    private static void Update(RealServer server, DestinationRule destination)
    {
        server.Method = destination.Forwarding;
        server.Weight = Math.Max(0, destination.Weight);
        server.UpperThreshold = (int)Math.Min(destination.UpperThreshold, int.MaxValue);
        server.LowerThreshold = (int)Math.Min(destination.LowerThreshold, int.MaxValue);
        server.Available = true;
        var tunnel = Tunnel(destination);
        if (server.Tunnel != tunnel)
        {
            server.Tunnel = tunnel;
        }
    }

    /// <summary>The destination's tunnel settings as the data plane takes them (the kernel's dest->tun_type, tun_port, tun_flags).</summary>
    internal static TunnelSettings Tunnel(DestinationRule destination)
    {
        if (destination.TunnelType == TunnelType.IpIp && destination.TunnelFlags == TunnelFlags.NoChecksum)
        {
            return TunnelSettings.IpIp;
        }

        var type = destination.TunnelType switch
        {
            TunnelType.Gue => TunnelEncapsulation.Gue,
            TunnelType.Gre => TunnelEncapsulation.Gre,
            _ => TunnelEncapsulation.IpIp,
        };
        var checksum = TunnelChecksum.None;
        if ((destination.TunnelFlags & TunnelFlags.Checksum) != 0)
        {
            checksum |= TunnelChecksum.Checksum;
        }

        if ((destination.TunnelFlags & TunnelFlags.RemoteChecksum) != 0)
        {
            checksum |= TunnelChecksum.Remote;
        }

        return new TunnelSettings(type, type == TunnelEncapsulation.Gue ? destination.TunnelPort : (ushort)0, checksum);
    }

    /// <summary>The persistence granularity as a prefix length: leading ones of an IPv4 mask, or the IPv6 prefix.</summary>
    private static int PrefixLength(ServiceRule rule) =>
        rule.IsIPv6 ? (int)Math.Min(rule.Netmask, 128) : BitOperations.LeadingZeroCount(~rule.Netmask);
}
