using System.Runtime.CompilerServices;
using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// One immutable snapshot of everything the data plane consults per packet: virtual services
/// by (protocol, VIP, port) or firewall mark, the set of VIPs, the firewall-mark classifier,
/// the ARP answers and the IPVS tunables. Built by the control plane
/// off the hot path and published through <see cref="ServiceTableHolder"/>; lookups never
/// allocate.
/// </summary>
public sealed class ServiceTable
{
    // Plain hash tables, read-only once built: a lookup costs what a frozen one does for these
    // struct keys, and building them is linear and cheap, which a rule change at 10,000
    // services needs (ToFrozenDictionary searches for a collision-free table size first).
    private readonly Dictionary<ServiceKey, VirtualService> _services;
    private readonly HashSet<InetAddress> _virtualAddresses;
    private readonly Dictionary<ArpKey, MacAddress> _arp;
    private readonly HashSet<InetAddress> _replySources;
    private readonly HashSet<ServiceKey> _realServices;
    private readonly HashSet<InetAddress> _localAddresses;
    private readonly bool _hasPortZero;
    private readonly HashSet<InetAddress> _tunnelServers;

    public ServiceTable(
        IEnumerable<VirtualService> services,
        IEnumerable<ArpAnswer>? arpAnswers = null,
        IpvsTunables? tunables = null,
        FirewallMarkClassifier? marks = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var byKey = new Dictionary<ServiceKey, VirtualService>();
        var addresses = new HashSet<InetAddress>();
        var replySources = new HashSet<InetAddress>();
        var realServices = new HashSet<ServiceKey>();
        var localAddresses = new HashSet<InetAddress>();
        var tunnelServers = new HashSet<InetAddress>();
        foreach (var service in services)
        {
            foreach (var server in service.RealServers)
            {
                // ip_vs_find_tunnel: errors quoting the director's tunnel packets name these.
                if (server.Method == ForwardingMethod.Tunnel)
                {
                    tunnelServers.Add(server.Address);
                }

                // ip_vs_has_real_service: the RIP:rport of NAT servers, whose replies pass
                // back through the director (a fwmark service, protocol 0, matches none).
                if (server.Method == ForwardingMethod.Masquerade)
                {
                    replySources.Add(server.Address);
                    realServices.Add(new ServiceKey(service.Key.Protocol, server.Address, server.Port));
                }
            }

            foreach (var local in service.LocalAddresses)
            {
                localAddresses.Add(local.Address);
            }

            if (!byKey.TryAdd(service.Key, service))
            {
                throw new ArgumentException($"duplicate virtual service {service.Key}", nameof(services));
            }

            if (service.Key.FirewallMark == 0)
            {
                addresses.Add(service.Key.Address);
                _hasPortZero |= service.Key.Port == 0;
            }
        }

        var arp = new Dictionary<ArpKey, MacAddress>();
        var answers = new List<ArpAnswer>();
        foreach (var answer in arpAnswers ?? [])
        {
            if (arp.TryAdd(new ArpKey(answer.IfIndex, answer.Address), answer.Mac))
            {
                answers.Add(answer);
            }
        }

        _services = byKey;
        _virtualAddresses = addresses;
        _arp = arp;
        _replySources = replySources;
        _realServices = realServices;
        _localAddresses = localAddresses;
        HasReplyPath = replySources.Count > 0 || localAddresses.Count > 0;
        _tunnelServers = tunnelServers;
        HasTunnels = tunnelServers.Count > 0;
        Services = [.. byKey.Values];
        ArpAnswers = [.. answers];
        Tunables = tunables ?? IpvsTunables.Default;
        Marks = marks ?? FirewallMarkClassifier.Empty;
    }

    public static ServiceTable Empty { get; } = new([]);

    /// <summary>Every service, in the order given.</summary>
    public IReadOnlyList<VirtualService> Services { get; }

    public IReadOnlyList<ArpAnswer> ArpAnswers { get; }

    /// <summary>The /proc/sys/net/ipv4/vs switches in force for this snapshot.</summary>
    public IpvsTunables Tunables { get; }

    /// <summary>Which packets carry which firewall mark (lvsd's stand-in for the netfilter MARK rules).</summary>
    public FirewallMarkClassifier Marks { get; }

    /// <summary>ip_vs_service_find for a protocol/address/port service.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VirtualService? Find(byte protocol, InetAddress address, ushort port) =>
        _services.TryGetValue(new ServiceKey(protocol, address, port), out var service) ? service : null;

    public VirtualService? Find(in ServiceKey key) => _services.TryGetValue(key, out var service) ? service : null;

    /// <summary>__ip_vs_svc_fwm_find: the fwmark service of that family, keyed as ipvsadm sends it (address 0.0.0.0 or ::).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VirtualService? FindFirewallMark(uint mark, bool ipv6) =>
        _services.TryGetValue(new ServiceKey(0, ipv6 ? InetAddress.None : InetAddress.FromV4(0), 0, mark), out var service) ? service : null;

    /// <summary>
    /// ip_vs_service_find: the fwmark service first (when the packet carries a mark), then the
    /// (protocol, VIP, port) service, then the catch-all port-zero service of the VIP.
    /// </summary>
    public VirtualService? FindForPacket(byte protocol, InetAddress address, ushort port)
    {
        if (!Marks.IsEmpty)
        {
            var mark = Marks.Classify(protocol, address, port);
            if (mark != 0 && FindFirewallMark(mark, !address.IsIPv4) is { } marked)
            {
                return marked;
            }
        }

        if (_services.TryGetValue(new ServiceKey(protocol, address, port), out var service))
        {
            return service;
        }

        return _hasPortZero && port != 0 && _services.TryGetValue(new ServiceKey(protocol, address, 0), out var catchAll) ? catchAll : null;
    }

    /// <summary>
    /// Whether any service listens on the address: frames to a VIP are the director's, so
    /// malformed ones are dropped with a reason rather than handed to the host.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsVirtualAddress(InetAddress address) =>
        _virtualAddresses.Contains(address) || (!Marks.IsEmpty && Marks.Covers(address));

    /// <summary>True when some service has NAT real servers or FULLNAT local addresses (replies cross the director).</summary>
    public bool HasReplyPath { get; }

    /// <summary>Whether <paramref name="address"/> is a NAT real server's (its packets may be replies to un-NAT).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsReplySource(InetAddress address) => _replySources.Contains(address);

    /// <summary>ip_vs_has_real_service: some NAT service has a real server at protocol/RIP/port.</summary>
    public bool IsRealService(byte protocol, InetAddress address, ushort port) =>
        _realServices.Contains(new ServiceKey(protocol, address, port));

    /// <summary>Whether <paramref name="address"/> is a FULLNAT local address (LIP) of some service.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsLocalAddress(InetAddress address) => _localAddresses.Contains(address);

    /// <summary>Whether some service has a TUN real server (whose tunnel packets ICMP errors may quote).</summary>
    public bool HasTunnels { get; }

    /// <summary>Whether <paramref name="address"/> is a TUN real server's (ip_vs_find_tunnel).</summary>
    public bool IsTunnelServer(InetAddress address) => _tunnelServers.Contains(address);

    /// <summary>Every FULLNAT local address in the table.</summary>
    public IReadOnlyCollection<InetAddress> LocalAddresses => _localAddresses;

    /// <summary>The MAC to answer with for an ARP request for <paramref name="address"/> on that interface.</summary>
    public bool TryGetArpAnswer(int ifIndex, InetAddress address, out MacAddress mac) =>
        _arp.TryGetValue(new ArpKey(ifIndex, address), out mac);

    private readonly record struct ArpKey(int IfIndex, InetAddress Address);
}
