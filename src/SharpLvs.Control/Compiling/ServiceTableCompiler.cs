using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
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
    // The rules each table this class built was compiled from, and RealServer.Withdrawals once
    // it was built: when the caller's compiledFrom is that view, the tables line up position
    // for position, and while no real server was withdrawn since (a compile whose table was
    // not published, a test), none of the table's servers is unavailable; the change walk
    // then carries an unchanged service over on a comparison of references.
    private static readonly ConditionalWeakTable<ServiceTable, Origin> Origins = new();

    /// <param name="rules">The rules to run.</param>
    /// <param name="previous">The table now published (whose objects are reused).</param>
    /// <param name="arpAnswers">ARP answers for the new table; null keeps the previous table's.</param>
    /// <param name="schedulers">Where schedulers come from; <see cref="SchedulerRegistry.Default"/> when null.</param>
    /// <param name="compiledFrom">The rules <paramref name="previous"/> was compiled from, when known: a
    /// service whose rule and destinations are equal there keeps its whole VirtualService
    /// (scheduler included), and the new table is <paramref name="previous"/> with the changed
    /// services patched in (<see cref="ServiceTable.With"/>), so one change among 10,000
    /// services costs about one service, not 10,000.</param>
    /// <param name="created">Receives the real-server objects this compile created (the others are reused).</param>
    public static ServiceTable Compile(
        RuleSetView rules,
        ServiceTable previous,
        IEnumerable<ArpAnswer>? arpAnswers = null,
        SchedulerRegistry? schedulers = null,
        RuleSetView? compiledFrom = null,
        ICollection<RealServer>? created = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(previous);
        var compilation = new Compilation(previous, schedulers ?? SchedulerRegistry.Default, created);
        var marks = SameMarks(previous.Marks, rules.Marks) ? previous.Marks : new FirewallMarkClassifier(rules.Marks);
        var trusted = compiledFrom is not null && Origins.TryGetValue(previous, out var origin)
            && ReferenceEquals(origin.Rules, compiledFrom) && origin.Withdrawals == RealServer.Withdrawals;
        var table = compiledFrom is not null && ChangePlan.TryMake(rules, compiledFrom, previous, trusted) is { } plan
            ? compilation.Changes(plan, arpAnswers, rules.Tunables, marks)
            : compilation.All(rules, compiledFrom, arpAnswers, marks);
        Origins.AddOrUpdate(table, new Origin(rules, RealServer.Withdrawals));
        return table;
    }

    private sealed record Origin(RuleSetView Rules, long Withdrawals);

    private static bool SameMarks(FirewallMarkClassifier marks, IReadOnlyList<FirewallMarkRule> rules)
    {
        if (marks.Rules.Count != rules.Count)
        {
            return false;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            if (marks.Rules[i] != rules[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One compile: the previous table, and the real servers its rebuilt services keep.</summary>
    private sealed class Compilation(ServiceTable previous, SchedulerRegistry schedulers, ICollection<RealServer>? created)
    {
        private readonly HashSet<RealServer> _kept = new(ReferenceEqualityComparer.Instance);

        // One port pool per local address, shared by the services that name it and kept
        // across compilations, so connections and their ports survive rule edits. Gathered
        // from the previous table only when a rebuilt service has local addresses.
        private Dictionary<InetAddress, LocalAddressPool>? _pools;

        /// <summary>Only the services the plan names are compiled; the rest of the table is shared.</summary>
        public ServiceTable Changes(ChangePlan plan, IEnumerable<ArpAnswer>? arpAnswers, IpvsTunables tunables, FirewallMarkClassifier marks)
        {
            var added = new List<VirtualService>(plan.Rebuilds.Count);
            foreach (var (index, entry, old) in plan.Rebuilds)
            {
                var service = Service(entry, old);
                plan.Services[index] = service;
                added.Add(service);
            }

            var table = previous.With(plan.Services!, plan.Removed, added, arpAnswers, tunables, marks);
            Retire(plan.Removed);
            return table;
        }

        /// <summary>Every service looked up and compared: the first compile, or when the orders of old and new rules disagree.</summary>
        public ServiceTable All(RuleSetView rules, RuleSetView? compiledFrom, IEnumerable<ArpAnswer>? arpAnswers, FirewallMarkClassifier marks)
        {
            var before = Unchanged.Index(compiledFrom);
            var services = new List<VirtualService>(rules.Services.Count);
            foreach (var entry in rules.Services)
            {
                var old = previous.Find(entry.Service.Key);
                services.Add(old is not null && Unchanged.Is(before, entry, old) ? old : Service(entry, old));
            }

            var table = new ServiceTable(services, arpAnswers ?? previous.ArpAnswers, rules.Tunables, marks);
            var retired = new List<VirtualService>();
            foreach (var oldService in previous.Services)
            {
                if (!ReferenceEquals(table.Find(oldService.Key), oldService))
                {
                    retired.Add(oldService);
                }
            }

            Retire(retired);
            return table;
        }

        private VirtualService Service(ServiceEntry entry, VirtualService? old)
        {
            var servers = ImmutableArray.CreateBuilder<RealServer>(entry.Destinations.Count);
            foreach (var destination in entry.Destinations)
            {
                var server = Reuse(old, destination);
                if (server is null)
                {
                    server = new RealServer(destination.Address, destination.Port, destination.Forwarding, Math.Max(0, destination.Weight));
                    created?.Add(server);
                }

                Update(server, destination);
                _kept.Add(server);
                servers.Add(server);
            }

            var locals = ImmutableArray.CreateBuilder<LocalAddressPool>(entry.LocalAddresses.Count);
            foreach (var address in entry.LocalAddresses)
            {
                _pools ??= previous.Services.SelectMany(s => s.LocalAddresses).Distinct().ToDictionary(p => p.Address);
                if (!_pools.TryGetValue(address, out var pool))
                {
                    _pools[address] = pool = new LocalAddressPool(address);
                }

                locals.Add(pool);
            }

            return Build(schedulers, entry.Service, servers.MoveToImmutable(), old, locals.MoveToImmutable());
        }

        /// <summary>
        /// The real servers of services that left the table and were not taken over by their
        /// successor are marked unavailable (IP_VS_DEST_F_AVAILABLE cleared), so their
        /// remaining connections stop.
        /// </summary>
        private void Retire(List<VirtualService> retired)
        {
            foreach (var service in retired)
            {
                foreach (var server in service.RealServers)
                {
                    if (!_kept.Contains(server))
                    {
                        server.Available = false;
                    }
                }
            }
        }
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
