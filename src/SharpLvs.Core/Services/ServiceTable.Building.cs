using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// Building a snapshot, from scratch or as the successor of another in O(changed services).
/// </summary>
public sealed partial class ServiceTable
{
    private ServiceTable(
        Builder builder,
        VirtualService[] services,
        (Dictionary<ArpKey, MacAddress> Table, ArpAnswer[] Answers) arp,
        IpvsTunables? tunables,
        FirewallMarkClassifier? marks)
    {
        (_services, _virtualAddresses, _replySources, _realServices, _localAddresses, _tunnelServers, _footprints) =
            (builder.Services, builder.VirtualAddresses, builder.ReplySources, builder.RealServices, builder.LocalAddresses, builder.TunnelServers, builder.Footprints);
        _portZeroServices = builder.PortZeroServices;
        _hasPortZero = _portZeroServices > 0;
        RealServerCount = builder.RealServerCount;
        HasReplyPath = _replySources.Count > 0 || _localAddresses.Count > 0;
        HasTunnels = _tunnelServers.Count > 0;
        Services = services;
        _arp = arp.Table;
        ArpAnswers = arp.Answers;
        Tunables = tunables ?? IpvsTunables.Default;
        Marks = marks ?? FirewallMarkClassifier.Empty;
    }

    /// <summary>
    /// The snapshot that follows this one: this table's lookup tables copied (no rehashing)
    /// with <paramref name="removed"/> taken out and <paramref name="added"/> put in, so that a
    /// change to one service of 10,000 costs a copy, not a rebuild from every real server.
    /// This table is left as it is: the data plane may still be reading it.
    /// </summary>
    /// <param name="services">Every service of the new table, in the order <see cref="Services"/> lists them:
    /// this table's minus <paramref name="removed"/> plus <paramref name="added"/>.</param>
    /// <param name="removed">Services of this table (the same objects) that the new one does not have.</param>
    /// <param name="added">Services of the new table that this one does not have.</param>
    /// <param name="arpAnswers">The new table's ARP answers; null keeps this table's (shared, not copied).</param>
    public ServiceTable With(
        IReadOnlyList<VirtualService> services,
        IReadOnlyCollection<VirtualService> removed,
        IReadOnlyCollection<VirtualService> added,
        IEnumerable<ArpAnswer>? arpAnswers = null,
        IpvsTunables? tunables = null,
        FirewallMarkClassifier? marks = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(removed);
        ArgumentNullException.ThrowIfNull(added);
        var builder = new Builder(this);
        foreach (var service in removed)
        {
            builder.Remove(service, nameof(removed));
        }

        foreach (var service in added)
        {
            builder.Add(service, nameof(added));
        }

        var ordered = new VirtualService[services.Count];
        for (var i = 0; i < ordered.Length; i++)
        {
            ordered[i] = services[i];
        }

        // The order is the caller's; the contents must be what the tables now hold.
        if (ordered.Length != builder.Services.Count)
        {
            throw new ArgumentException($"{ordered.Length} services listed, {builder.Services.Count} after the change", nameof(services));
        }

        var arp = arpAnswers is null ? (_arp, (ArpAnswer[])ArpAnswers) : ArpTable(arpAnswers);
        return new ServiceTable(builder, ordered, arp, tunables, marks);
    }

    private static Builder Scratch(IEnumerable<VirtualService> services, out VirtualService[] ordered)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new Builder(null);
        var list = new List<VirtualService>();
        foreach (var service in services)
        {
            builder.Add(service, nameof(services));
            list.Add(service);
        }

        ordered = [.. list];
        return builder;
    }

    /// <summary>What one service adds to the address sets besides its key (null: nothing, as for DR).</summary>
    private sealed class Footprint(InetAddress[] tunnelServers, InetAddress[] replySources, ServiceKey[] realServices, InetAddress[] localAddresses)
    {
        public InetAddress[] TunnelServers { get; } = tunnelServers;

        public InetAddress[] ReplySources { get; } = replySources;

        public ServiceKey[] RealServices { get; } = realServices;

        public InetAddress[] LocalAddresses { get; } = localAddresses;

        public static Footprint? Of(VirtualService service)
        {
            List<InetAddress>? tunnels = null, replies = null;
            List<ServiceKey>? real = null;
            foreach (var server in service.RealServers)
            {
                // ip_vs_find_tunnel: errors quoting the director's tunnel packets name these.
                if (server.Method == ForwardingMethod.Tunnel)
                {
                    (tunnels ??= []).Add(server.Address);
                }

                // ip_vs_has_real_service: the RIP:rport of NAT servers, whose replies pass
                // back through the director (a fwmark service, protocol 0, matches none).
                if (server.Method == ForwardingMethod.Masquerade)
                {
                    (replies ??= []).Add(server.Address);
                    (real ??= []).Add(new ServiceKey(service.Key.Protocol, server.Address, server.Port));
                }
            }

            if (tunnels is null && replies is null && service.LocalAddresses.IsEmpty)
            {
                return null;
            }

            var locals = new InetAddress[service.LocalAddresses.Length];
            for (var i = 0; i < locals.Length; i++)
            {
                locals[i] = service.LocalAddresses[i].Address;
            }

            return new Footprint([.. tunnels ?? []], [.. replies ?? []], [.. real ?? []], locals);
        }
    }

    /// <summary>The lookup tables while they are being filled; handed to exactly one table.</summary>
    private sealed class Builder
    {
        public Builder(ServiceTable? source)
        {
            // The copy constructors of Dictionary copy the entries with their stored hash codes.
            Services = source is null ? [] : new(source._services);
            VirtualAddresses = source is null ? [] : new(source._virtualAddresses);
            ReplySources = source is null ? [] : new(source._replySources);
            RealServices = source is null ? [] : new(source._realServices);
            LocalAddresses = source is null ? [] : new(source._localAddresses);
            TunnelServers = source is null ? [] : new(source._tunnelServers);
            Footprints = source is null ? [] : new(source._footprints);
            PortZeroServices = source?._portZeroServices ?? 0;
            RealServerCount = source?.RealServerCount ?? 0;
        }

        public Dictionary<ServiceKey, VirtualService> Services { get; }

        public Dictionary<InetAddress, int> VirtualAddresses { get; }

        public Dictionary<InetAddress, int> ReplySources { get; }

        public Dictionary<ServiceKey, int> RealServices { get; }

        public Dictionary<InetAddress, int> LocalAddresses { get; }

        public Dictionary<InetAddress, int> TunnelServers { get; }

        public Dictionary<ServiceKey, Footprint> Footprints { get; }

        public int PortZeroServices { get; private set; }

        public int RealServerCount { get; private set; }

        public void Add(VirtualService service, string parameter)
        {
            ArgumentNullException.ThrowIfNull(service, parameter);
            if (!Services.TryAdd(service.Key, service))
            {
                throw new ArgumentException($"duplicate virtual service {service.Key}", parameter);
            }

            RealServerCount += service.RealServers.Length;
            if (service.Key.FirewallMark == 0)
            {
                Count(VirtualAddresses, service.Key.Address, +1);
                PortZeroServices += service.Key.Port == 0 ? 1 : 0;
            }

            if (Footprint.Of(service) is not { } footprint)
            {
                return;
            }

            Footprints.Add(service.Key, footprint);
            Apply(footprint, +1);
        }

        public void Remove(VirtualService service, string parameter)
        {
            ArgumentNullException.ThrowIfNull(service, parameter);
            if (!Services.TryGetValue(service.Key, out var present) || !ReferenceEquals(present, service))
            {
                throw new ArgumentException($"virtual service {service.Key} is not in the table", parameter);
            }

            Services.Remove(service.Key);
            RealServerCount -= service.RealServers.Length;
            if (service.Key.FirewallMark == 0)
            {
                Count(VirtualAddresses, service.Key.Address, -1);
                PortZeroServices -= service.Key.Port == 0 ? 1 : 0;
            }

            if (Footprints.Remove(service.Key, out var footprint))
            {
                Apply(footprint, -1);
            }
        }

        private void Apply(Footprint footprint, int delta)
        {
            foreach (var address in footprint.TunnelServers)
            {
                Count(TunnelServers, address, delta);
            }

            foreach (var address in footprint.ReplySources)
            {
                Count(ReplySources, address, delta);
            }

            foreach (var key in footprint.RealServices)
            {
                Count(RealServices, key, delta);
            }

            foreach (var address in footprint.LocalAddresses)
            {
                Count(LocalAddresses, address, delta);
            }
        }

        private static void Count<T>(Dictionary<T, int> counts, T key, int delta)
            where T : notnull
        {
            var count = counts.GetValueOrDefault(key) + delta;
            if (count > 0)
            {
                counts[key] = count;
            }
            else
            {
                counts.Remove(key);
            }
        }
    }
}
